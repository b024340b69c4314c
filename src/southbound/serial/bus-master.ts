/**
 * BusMaster: the one master of one RS-485 line. Protocol-agnostic: it moves requests' bytes out and
 * decoded frames in, and never looks inside either.
 *
 *   request() ─► queue (commands before polls) ─► one frame on the wire ─► decoder ─► match ─► reply
 *                     ▲                                  │ timeout: reset decoder, retry, then fail
 *   poll cycle ───────┘ each reachable target once        └► no match: "unsolicited" event, or stray
 *
 * - Half-duplex: exactly one request on the wire at a time; an optional gap after each exchange.
 * - Commands go before polls. The poll cycle issues one poller at a time, so a command waits at most
 *   for the frame on the wire, never for a whole cycle. The retry of an unanswered frame goes behind
 *   what waits for other targets (ahead of later requests to its own target, whose order is kept).
 * - Retries are for reads. A request that moves something (`moves: true`: a door pulse today,
 *   set-points and vends later) is written once and never again by the bus master, whatever the
 *   retry policy: its timeout means "outcome unknown" (QH_SERIAL_TIMEOUT, details.moves = true) and
 *   does not count against the target; the caller reads the physical state next (DESIGN.md
 *   principle 5) and that read's outcome decides whether the target answers.
 * - Per-request timeout and bounded retries. A target whose request fails after all its retries is
 *   marked unreachable ("target" event, gauge) and is skipped by the poll cycle; it is probed once
 *   per backoff interval (growing, capped) with a single attempt, so a dead board costs the line one
 *   timeout per interval and never stalls the others. Commands to an unreachable target are tried
 *   once, not retried. Any answer makes the target reachable again.
 * - The decoder resyncs by itself; the bus master resets it on every timeout and after a reconnect.
 * - Link down: the request on the wire and all queued ones fail at once with QH_SERIAL_CLOSED, new
 *   ones fail immediately; polling pauses and resumes by itself when the link is back. Failures
 *   caused by the link never count against a target.
 *
 * The bus master owns its SerialLink: start() starts it, stop() stops it.
 *
 * Metrics (label bus): qh_bus_frames_sent_total, qh_bus_frames_decoded_total,
 * qh_bus_frames_rejected_total{reason} (decoder reasons, "timeout" per unanswered attempt, "stray"
 * for decoded frames nobody asked for that are not unsolicited), qh_bus_request_seconds{outcome}
 * (ok | timeout | closed, first write to settlement, retries included), qh_bus_poll_cycle_seconds,
 * qh_bus_targets_unreachable.
 * Logs: frames in hex only at trace; rejected frames at debug with hex; target state changes at warn
 * and info.
 */
import { performance } from "node:perf_hooks";
import type { Counter, Gauge, Histogram, Registry } from "prom-client";
import { isQhError, QhError } from "../../core/errors.js";
import { TypedBus } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import { counter, gauge, histogram } from "../../core/metrics.js";
import type { FrameDecoder } from "../../protocols/types.js";
import type { SerialLink } from "./link.js";
import { runAfter } from "./precise-timer.js";

export type BusPriority = "command" | "poll";

export interface BusRequest<M> {
  /** The addressed board (as the driver names it, e.g. "1" or "board-3"): health is kept per target. */
  target: string;
  bytes: Buffer;
  /** True for the reply to this request. */
  match(msg: M): boolean;
  /** Default "command". Pollers should pass "poll". */
  priority?: BusPriority;
  timeoutMs?: number;
  /** Extra attempts after the first. Ignored (0) while the target is unreachable. */
  retries?: number;
  /**
   * The request moves something (a door pulse, a set-point, a vend): it is written at most once,
   * never retried (passing `retries` > 0 with it is a bug, rejected with QH_INTERNAL). A timeout
   * leaves its outcome unknown: read the state before anything else.
   */
  moves?: boolean;
  /** For logs, e.g. "open 1/3". */
  describe?: string;
  /**
   * The request as a message, for decoders whose reply framing depends on the request
   * (FrameDecoder.expect, e.g. lockboard-xor's 0x80 replies): passed to expect() before each write.
   */
  message?: M;
  /**
   * A scan's probe of an address that may hold nothing (src/domain/commissioning/scan.ts): its
   * outcome counts for no target (an empty address is no dead board, /health stays as it was).
   */
  probe?: boolean;
}

export interface BusPoller {
  target: string;
  /** Visit this poller at most this often; default every cycle. */
  intervalMs?: number;
  /** One poll of the target: usually one request with priority "poll". Rejections are expected. */
  run(): Promise<void>;
}

export interface BusMasterOptions<M> {
  id: string;
  link: SerialLink;
  decoder: FrameDecoder<M>;
  /** One-line description of a decoded message for logs. */
  describe(msg: M): string;
  /**
   * Whether a decoded frame that matches no request is a push from a device (emitted as
   * "unsolicited") rather than a stray (a late reply, an echo: counted and dropped). Default: all
   * unmatched frames are unsolicited.
   */
  isUnsolicited?(msg: M): boolean;
  log: Logger;
  registry: Registry;
  /**
   * `flushAfterTimeoutMs`: after a request times out, how long the line is left to settle before
   * the next frame (a late reply still arriving is dropped as a stray, not matched to the next
   * request); the decoder is reset just before that frame is written. Default: the inter-frame gap.
   */
  defaults?: { timeoutMs?: number; retries?: number; interFrameGapMs?: number; flushAfterTimeoutMs?: number };
  /** Target of one poll cycle: each reachable target is visited once per cycle. Default 500 ms. */
  pollCycleMs?: number;
  /** Probing interval of an unreachable target: starts at initialMs, ×factor per failed probe. */
  backoff?: { initialMs?: number; maxMs?: number; factor?: number };
}

export interface BusTargetEvent {
  target: string;
  reachable: boolean;
}

export type BusMasterEvents<M> = {
  unsolicited: M;
  target: BusTargetEvent;
  /** The line under the bus master went up or down. */
  link: { connected: boolean };
  /** Bytes the decoder refused (noise, a wrong baud rate, a board answering garbage). */
  rejected: { reason: string; bytes: number };
};

export interface BusTargetState {
  target: string;
  reachable: boolean;
  /** Consecutive failed requests. */
  failures: number;
  /** While unreachable: when the next probe is due (performance.now() ms: survives clock steps). */
  nextProbeAt?: number;
}

interface Job<M> {
  target: string;
  bytes: Buffer;
  match: (msg: M) => boolean;
  priority: BusPriority;
  timeoutMs: number;
  attemptsLeft: number;
  label: string | undefined;
  message: M | undefined;
  moves: boolean;
  probe: boolean;
  startedAt: number;
  resolve: (msg: M) => void;
  reject: (err: Error) => void;
}

interface Health {
  reachable: boolean;
  failures: number;
  backoffMs: number;
  nextProbeAt: number;
}

interface PollerEntry {
  p: BusPoller;
  active: boolean;
  nextDueAt: number;
}

const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const CYCLE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class BusMaster<M> {
  readonly id: string;
  private readonly link: SerialLink;
  private readonly decoder: FrameDecoder<M>;
  private readonly describeMsg: (msg: M) => string;
  private readonly isUnsolicited: ((msg: M) => boolean) | undefined;
  private readonly log: Logger;
  private readonly events: TypedBus<BusMasterEvents<M>>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly gapMs: number;
  private readonly flushMs: number;
  /** a request timed out since the last frame written: bytes may be a late reply (flush them) */
  private lineDirty = false;
  private readonly cycleMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly backoffFactor: number;

  private readonly mSent: Counter.Internal;
  private readonly mDecoded: Counter.Internal;
  private readonly mRejected: Counter<"bus" | "reason">;
  private readonly mRequest: Record<"ok" | "timeout" | "closed", Histogram.Internal<"bus" | "outcome">>;
  private readonly mCycle: Histogram.Internal<"bus">;
  private readonly mUnreachable: Gauge<"bus">;

  private readonly commands: Job<M>[] = [];
  private readonly polls: Job<M>[] = [];
  private current: Job<M> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** cancels the inter-frame wait under way (runAfter: fractions of a ms kept, never early) */
  private gapTimer: (() => void) | undefined;
  private running = false;
  private unsubscribe: Array<() => void> = [];

  private readonly health = new Map<string, Health>();
  private unreachableCount = 0;
  private readonly pollers: PollerEntry[] = [];
  private pollLoopDone: Promise<void> | undefined;
  private wakePollLoop: (() => void) | undefined;

  constructor(opts: BusMasterOptions<M>) {
    this.id = opts.id;
    this.link = opts.link;
    this.decoder = opts.decoder;
    this.describeMsg = opts.describe;
    this.isUnsolicited = opts.isUnsolicited;
    this.log = opts.log.child({ bus: opts.id });
    this.events = new TypedBus<BusMasterEvents<M>>((event, err) =>
      this.log.error({ err, event }, "bus master listener failed"),
    );
    this.timeoutMs = opts.defaults?.timeoutMs ?? 200;
    this.retries = opts.defaults?.retries ?? 2;
    this.gapMs = opts.defaults?.interFrameGapMs ?? 0;
    this.flushMs = Math.max(this.gapMs, opts.defaults?.flushAfterTimeoutMs ?? 0);
    this.cycleMs = opts.pollCycleMs ?? 500;
    this.backoffInitialMs = opts.backoff?.initialMs ?? 2000;
    this.backoffMaxMs = Math.max(this.backoffInitialMs, opts.backoff?.maxMs ?? 60_000);
    this.backoffFactor = Math.max(1, opts.backoff?.factor ?? 2);

    const r = opts.registry;
    const bus = { bus: this.id };
    this.mSent = counter(r, "qh_bus_frames_sent_total", "Frames written to the bus.", ["bus"]).labels(bus);
    this.mDecoded = counter(r, "qh_bus_frames_decoded_total", "Frames decoded from the bus.", ["bus"]).labels(
      bus,
    );
    this.mRejected = counter(
      r,
      "qh_bus_frames_rejected_total",
      "Bad or missing frames: decoder rejects by reason, unanswered attempts (timeout), stray frames.",
      ["bus", "reason"],
    );
    const req = histogram(
      r,
      "qh_bus_request_seconds",
      "Request duration from first write to settlement, retries included.",
      REQUEST_BUCKETS,
      ["bus", "outcome"],
    );
    this.mRequest = {
      ok: req.labels({ bus: this.id, outcome: "ok" }),
      timeout: req.labels({ bus: this.id, outcome: "timeout" }),
      closed: req.labels({ bus: this.id, outcome: "closed" }),
    };
    this.mCycle = histogram(r, "qh_bus_poll_cycle_seconds", "Duration of one poll cycle.", CYCLE_BUCKETS, [
      "bus",
    ]).labels(bus);
    this.mUnreachable = gauge(r, "qh_bus_targets_unreachable", "Targets not answering on the bus.", ["bus"]);
    this.mUnreachable.set(bus, 0);
  }

  on<K extends keyof BusMasterEvents<M>>(
    event: K,
    listener: (payload: BusMasterEvents<M>[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  get connected(): boolean {
    return this.link.connected;
  }

  /** Health of every target seen so far (for the health endpoint and the installer console). */
  targets(): BusTargetState[] {
    const out: BusTargetState[] = [];
    for (const [target, h] of this.health) {
      out.push(
        h.reachable
          ? { target, reachable: true, failures: h.failures }
          : { target, reachable: false, failures: h.failures, nextProbeAt: h.nextProbeAt },
      );
    }
    return out;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = [
      this.link.on("data", this.onData),
      this.link.on("up", this.onUp),
      this.link.on("down", this.onDown),
    ];
    this.link.start();
    this.pollLoopDone = this.pollLoop();
  }

  /** Fail everything pending with QH_SERIAL_CLOSED, stop polling, close the line. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.failAll(`bus ${this.id} stopped`);
    this.wakePollLoop?.();
    await this.pollLoopDone;
    await this.link.stop();
  }

  request(req: BusRequest<M>): Promise<M> {
    if (!this.running || !this.link.connected) {
      return Promise.reject(
        new QhError("QH_SERIAL_CLOSED", `bus ${this.id} is ${this.running ? "down" : "stopped"}`, {
          bus: this.id,
          target: req.target,
        }),
      );
    }
    if (req.moves && (req.retries ?? 0) > 0) {
      return Promise.reject(
        new QhError("QH_INTERNAL", `${req.describe ?? "a request"} moves something and cannot be retried`, {
          bus: this.id,
          target: req.target,
        }),
      );
    }
    const h = this.health.get(req.target);
    const retries = req.moves || (h && !h.reachable) ? 0 : (req.retries ?? this.retries);
    return new Promise<M>((resolve, reject) => {
      const job: Job<M> = {
        target: req.target,
        bytes: req.bytes,
        match: req.match,
        priority: req.priority ?? "command",
        timeoutMs: req.timeoutMs ?? this.timeoutMs,
        attemptsLeft: 1 + Math.max(0, retries),
        label: req.describe,
        message: req.message,
        moves: req.moves === true,
        probe: req.probe === true,
        startedAt: 0,
        resolve,
        reject,
      };
      (job.priority === "command" ? this.commands : this.polls).push(job);
      this.pump();
    });
  }

  /** Add a poller to the cycle; returns a function that removes it. */
  addPoller(p: BusPoller): () => void {
    const entry: PollerEntry = { p, active: true, nextDueAt: 0 };
    this.pollers.push(entry);
    if (!this.health.has(p.target)) this.health.set(p.target, this.newHealth());
    this.wakePollLoop?.();
    return () => {
      entry.active = false;
      const i = this.pollers.indexOf(entry);
      if (i >= 0) this.pollers.splice(i, 1);
    };
  }

  // ─── the wire ──────────────────────────────────────────────────────────────────────────────────

  private pump(): void {
    if (this.current || this.gapTimer || !this.running || !this.link.connected) return;
    const job = this.commands.shift() ?? this.polls.shift();
    if (!job) return;
    this.current = job;
    job.attemptsLeft--;
    if (job.startedAt === 0) job.startedAt = performance.now();
    if (this.lineDirty) {
      // whatever arrived since the timeout (half a late reply) is not this request's answer
      this.decoder.reset();
      this.lineDirty = false;
    }
    this.timer = setTimeout(this.onTimeout, job.timeoutMs);
    this.decoder.expect?.(job.message);
    this.mSent.inc();
    if (this.log.isLevelEnabled("trace")) {
      this.log.trace({ target: job.target, req: job.label, hex: job.bytes.toString("hex") }, "tx");
    }
    this.link.write(job.bytes).catch((err: unknown) => {
      // The link reports the loss itself ("down" fails everything); this covers a write error
      // that did not take the line down.
      if (this.current === job) {
        this.settle(job, "closed");
        job.reject(
          isQhError(err)
            ? err
            : new QhError("QH_SERIAL_CLOSED", `write on ${this.id} failed`, {
                bus: this.id,
                target: job.target,
              }),
        );
        this.next();
      }
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    const results = this.decoder.push(chunk);
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (!r.ok) {
        this.mRejected.inc({ bus: this.id, reason: r.reason });
        this.events.emit("rejected", { reason: r.reason, bytes: r.raw.length });
        if (this.log.isLevelEnabled("debug")) {
          this.log.debug({ reason: r.reason, hex: r.raw.toString("hex") }, "frame rejected");
        }
        continue;
      }
      this.mDecoded.inc();
      const msg = r.msg;
      if (this.log.isLevelEnabled("trace")) {
        this.log.trace({ frame: this.describeMsg(msg), hex: r.raw.toString("hex") }, "rx");
      }
      const job = this.current;
      if (job && this.matches(job, msg)) {
        this.settle(job, "ok");
        if (!job.probe) this.succeeded(job.target);
        job.resolve(msg);
        this.next();
      } else if (this.isUnsolicited === undefined || this.isUnsolicited(msg)) {
        this.events.emit("unsolicited", msg);
      } else {
        this.mRejected.inc({ bus: this.id, reason: "stray" });
        this.log.debug({ frame: this.describeMsg(msg), hex: r.raw.toString("hex") }, "stray frame");
      }
    }
  };

  private matches(job: Job<M>, msg: M): boolean {
    try {
      return job.match(msg);
    } catch (err) {
      this.log.error({ err, req: job.label }, "request match() threw");
      return false;
    }
  }

  private readonly onTimeout = (): void => {
    const job = this.current;
    this.timer = undefined;
    if (!job) return;
    this.current = undefined;
    this.mRejected.inc({ bus: this.id, reason: "timeout" });
    this.decoder.reset();
    this.lineDirty = true;
    if (job.attemptsLeft > 0) {
      this.log.debug({ target: job.target, req: job.label, left: job.attemptsLeft }, "no answer; retrying");
      // Requeue behind what waits for other targets (a silent board must not hold up the others),
      // but ahead of later requests to the same target, whose order is kept.
      const q = job.priority === "command" ? this.commands : this.polls;
      let i = 0;
      while (i < q.length && q[i]!.target !== job.target) i++;
      q.splice(i, 0, job);
      this.next();
      return;
    }
    this.settle(job, "timeout", false);
    // A move's missing answer says nothing yet about the target: the read that follows decides.
    if (!job.moves && !job.probe) this.failed(job.target);
    job.reject(
      new QhError("QH_SERIAL_TIMEOUT", `no answer from ${job.target} on ${this.id}`, {
        bus: this.id,
        target: job.target,
        request: job.label,
        ...(job.moves ? { moves: true } : {}),
      }),
    );
    this.next();
  };

  /** Take the job off the wire and record its outcome. */
  private settle(job: Job<M>, outcome: "ok" | "timeout" | "closed", clear = true): void {
    if (clear && this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current === job) this.current = undefined;
    this.decoder.expect?.(undefined);
    this.mRequest[outcome].observe((performance.now() - job.startedAt) / 1000);
  }

  /** The wire is free: wait the inter-frame gap, then send the next frame. */
  private next(): void {
    const gap = this.lineDirty ? this.flushMs : this.gapMs;
    if (gap > 0 && this.running) {
      this.gapTimer = runAfter(gap, this.afterGap);
    } else {
      this.pump();
    }
  }

  private readonly afterGap = (): void => {
    this.gapTimer = undefined;
    this.pump();
  };

  private failAll(why: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.gapTimer?.();
    this.timer = undefined;
    this.gapTimer = undefined;
    const jobs = this.current ? [this.current] : [];
    this.current = undefined;
    this.decoder.expect?.(undefined);
    jobs.push(...this.commands.splice(0), ...this.polls.splice(0));
    for (const job of jobs) {
      if (job.startedAt !== 0) this.mRequest.closed.observe((performance.now() - job.startedAt) / 1000);
      // sent: the frame went out (its outcome is unknown for a move), as opposed to still queued
      job.reject(
        new QhError("QH_SERIAL_CLOSED", why, {
          bus: this.id,
          target: job.target,
          request: job.label,
          sent: job.startedAt !== 0,
        }),
      );
    }
  }

  private readonly onUp = (): void => {
    this.decoder.reset();
    // Whatever was unreachable may have been behind the outage: probe it now.
    const now = performance.now();
    for (const h of this.health.values()) if (!h.reachable) h.nextProbeAt = now;
    this.log.info("bus up");
    this.events.emit("link", { connected: true });
    this.wakePollLoop?.();
    this.pump();
  };

  private readonly onDown = (): void => {
    this.failAll(`bus ${this.id} lost its serial line`);
    this.decoder.reset();
    this.events.emit("link", { connected: false });
  };

  // ─── target health ─────────────────────────────────────────────────────────────────────────────

  private newHealth(): Health {
    return { reachable: true, failures: 0, backoffMs: 0, nextProbeAt: 0 };
  }

  private succeeded(target: string): void {
    const h = this.health.get(target);
    if (!h) {
      this.health.set(target, this.newHealth());
      return;
    }
    h.failures = 0;
    if (h.reachable) return;
    h.reachable = true;
    h.backoffMs = 0;
    this.unreachableCount--;
    this.mUnreachable.set({ bus: this.id }, this.unreachableCount);
    this.log.info({ target }, "target answers again");
    this.events.emit("target", { target, reachable: true });
  }

  private failed(target: string): void {
    let h = this.health.get(target);
    if (!h) {
      h = this.newHealth();
      this.health.set(target, h);
    }
    h.failures++;
    if (h.reachable) {
      h.reachable = false;
      h.backoffMs = this.backoffInitialMs;
      this.unreachableCount++;
      this.mUnreachable.set({ bus: this.id }, this.unreachableCount);
      this.log.warn({ target, retryInMs: h.backoffMs }, "target does not answer; backing off");
      this.events.emit("target", { target, reachable: false });
    } else {
      h.backoffMs = Math.min(this.backoffMaxMs, Math.round(h.backoffMs * this.backoffFactor));
      this.log.debug({ target, retryInMs: h.backoffMs }, "target still does not answer");
    }
    h.nextProbeAt = performance.now() + h.backoffMs;
  }

  // ─── the poll cycle ────────────────────────────────────────────────────────────────────────────

  /**
   * One cycle visits each due poller once, in order, one at a time; a poller of an unreachable
   * target runs only when its probe is due. The cycle then sleeps for what is left of cycleMs.
   */
  private async pollLoop(): Promise<void> {
    while (this.running) {
      if (!this.link.connected || this.pollers.length === 0) {
        await this.sleep(this.cycleMs);
        continue;
      }
      const start = performance.now();
      let visited = 0;
      let complete = true;
      for (const entry of this.pollers.slice()) {
        if (!this.running || !this.link.connected) {
          complete = false;
          break;
        }
        const now = performance.now(); // monotonic: a wall clock step must not stall polling
        if (!entry.active || now < entry.nextDueAt) continue;
        const h = this.health.get(entry.p.target);
        if (h && !h.reachable) {
          if (now < h.nextProbeAt) continue;
          // One probe per backoff interval, whatever its outcome.
          h.nextProbeAt = now + h.backoffMs;
        }
        entry.nextDueAt = entry.p.intervalMs ? now + entry.p.intervalMs : 0;
        visited++;
        try {
          await entry.p.run();
        } catch (err) {
          if (!isQhError(err, "QH_SERIAL_TIMEOUT") && !isQhError(err, "QH_SERIAL_CLOSED")) {
            this.log.warn({ err, target: entry.p.target }, "poller failed");
          }
        }
      }
      const elapsed = performance.now() - start;
      if (visited > 0 && complete) this.mCycle.observe(elapsed / 1000);
      await this.sleep(Math.max(1, this.cycleMs - elapsed));
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.wakePollLoop === done) this.wakePollLoop = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakePollLoop = done;
    });
  }
}
