/**
 * SerialLink: keeps one serial line open for as long as the gateway runs.
 *
 * It owns a transport factory, opens the transport, and when the line is lost (a "close" event, or
 * an error or failed write that says the device vanished: ENOENT, ENODEV, ENXIO, EIO, EBADF) it
 * reopens with a capped exponential backoff, forever, without a restart. Failed opens are retried
 * the same way whatever their kind (a "busy" port is often ModemManager probing it for a few
 * seconds; a "permission" error is fixed by an installer while the gateway runs).
 *
 * Logs go to a child logger `{ bus }`: one warn/error when the line goes down or the failure kind
 * changes, debug for repeated failed attempts, info when it is back.
 *
 * Events (TypedBus, `on` returns an unsubscribe function):
 *  - "up"    { path }                  the line is open and usable
 *  - "down"  { kind, error? }          the line was lost (kind: unplugged | busy | permission |
 *                                      other), or "closed" by stop()
 *  - "data"  Buffer                    bytes from the line
 *
 * Metrics (when a registry is given): qh_serial_link_up{bus}, qh_serial_link_losses_total{bus,kind}.
 */
import type { Counter, Gauge, Registry } from "prom-client";
import { QhError } from "../../core/errors.js";
import { TypedBus } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import { counter, gauge } from "../../core/metrics.js";
import { classifySerialError, type SerialErrorKind, serialErrorCode } from "./classify.js";
import type { SerialTransport } from "./transport.js";

export type { SerialErrorKind } from "./classify.js";
export { classifySerialError, serialErrorCode } from "./classify.js";

export interface SerialLinkBackoff {
  /** Delay before the first reopen attempt after a loss, and after the first failed open. Default 250. */
  initialMs?: number;
  /** Cap of the delay between attempts. Default 5000. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
}

export interface SerialLinkOptions {
  /** Bus id, as in the config; used in logs and metric labels. */
  id: string;
  /** Returns the transport for one connection attempt (may return the same object every time). */
  factory: () => SerialTransport;
  log: Logger;
  registry?: Registry;
  backoff?: SerialLinkBackoff;
}

export type SerialLinkState = "stopped" | "opening" | "connected" | "waiting";

export type SerialLinkEvents = {
  up: { path: string };
  down: { kind: SerialErrorKind | "closed"; error?: Error };
  data: Buffer;
};

export interface SerialLinkFailure {
  kind: SerialErrorKind;
  errno: string | undefined;
  message: string;
  at: number;
}

export class SerialLink {
  readonly id: string;
  private readonly factory: () => SerialTransport;
  private readonly log: Logger;
  private readonly bus: TypedBus<SerialLinkEvents>;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly upGauge: Gauge<"bus"> | undefined;
  private readonly losses: Counter<"bus" | "kind"> | undefined;

  private state_: SerialLinkState = "stopped";
  private transport: SerialTransport | undefined;
  private detach: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private attempts = 0;
  private lastFailure_: SerialLinkFailure | undefined;
  private downSince = 0;
  /** Bumped by stop(): an open attempt from before a stop() must not complete after it. */
  private generation = 0;

  constructor(opts: SerialLinkOptions) {
    this.id = opts.id;
    this.factory = opts.factory;
    this.log = opts.log.child({ bus: opts.id });
    this.bus = new TypedBus<SerialLinkEvents>((event, err) =>
      this.log.error({ err, event }, "serial link listener failed"),
    );
    this.initialMs = opts.backoff?.initialMs ?? 250;
    this.maxMs = Math.max(this.initialMs, opts.backoff?.maxMs ?? 5000);
    this.factor = Math.max(1, opts.backoff?.factor ?? 2);
    this.delayMs = this.initialMs;
    if (opts.registry) {
      this.upGauge = gauge(opts.registry, "qh_serial_link_up", "1 while the serial line is open.", ["bus"]);
      this.losses = counter(
        opts.registry,
        "qh_serial_link_losses_total",
        "Times an open serial line went away, by kind.",
        ["bus", "kind"],
      );
      this.upGauge.set({ bus: this.id }, 0);
    }
  }

  on<K extends keyof SerialLinkEvents>(
    event: K,
    listener: (payload: SerialLinkEvents[K]) => void,
  ): () => void {
    return this.bus.on(event, listener);
  }

  get connected(): boolean {
    return this.state_ === "connected";
  }

  get state(): SerialLinkState {
    return this.state_;
  }

  /** The path of the current transport, or undefined while down. */
  get path(): string | undefined {
    return this.transport?.path;
  }

  /** The last failed open or loss, for health endpoints and the installer CLI. */
  get lastFailure(): SerialLinkFailure | undefined {
    return this.lastFailure_;
  }

  /** Start opening the line (idempotent). Never throws: failures are retried and reported. */
  start(): void {
    if (this.state_ !== "stopped") return;
    this.state_ = "opening";
    this.delayMs = this.initialMs;
    this.attempts = 0;
    this.downSince = Date.now();
    void this.attempt();
  }

  /** Close the line and stop reopening it. */
  async stop(): Promise<void> {
    if (this.state_ === "stopped") return;
    this.generation++;
    const wasConnected = this.state_ === "connected";
    this.state_ = "stopped";
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const t = this.transport;
    this.release();
    this.upGauge?.set({ bus: this.id }, 0);
    if (wasConnected) this.bus.emit("down", { kind: "closed" });
    if (t) await t.close().catch(() => {});
  }

  /** Write bytes to the line. Rejects with QH_SERIAL_CLOSED while the line is down. */
  async write(data: Buffer): Promise<void> {
    const t = this.transport;
    if (!t || this.state_ !== "connected") {
      throw new QhError("QH_SERIAL_CLOSED", `serial line ${this.id} is down`, { bus: this.id });
    }
    try {
      await t.write(data);
    } catch (err) {
      if (this.transport === t && classifySerialError(err) === "unplugged") this.lost(t, err as Error);
      throw new QhError("QH_SERIAL_CLOSED", `write on ${this.id} failed: ${(err as Error).message}`, {
        bus: this.id,
        errno: serialErrorCode(err),
      });
    }
  }

  private async attempt(): Promise<void> {
    this.retryTimer = undefined;
    if (this.state_ === "stopped") return;
    const generation = this.generation;
    this.state_ = "opening";
    this.attempts++;
    let t: SerialTransport;
    try {
      t = this.factory();
    } catch (err) {
      this.failed(err);
      return;
    }
    this.transport = t;
    const detach = this.attach(t);
    try {
      await t.open();
    } catch (err) {
      if (generation !== this.generation) return;
      if (this.transport === t) this.release();
      this.failed(err);
      return;
    }
    if (generation !== this.generation || this.transport !== t) {
      // stop() came while opening, and found nothing open to close. A later start() may already
      // be reopening the same transport object: leave that one alone.
      detach();
      if (this.transport !== t) await t.close().catch(() => {});
      return;
    }
    this.state_ = "connected";
    this.upGauge?.set({ bus: this.id }, 1);
    this.log.info(
      { path: t.path, attempts: this.attempts, downMs: Date.now() - this.downSince },
      "serial line open",
    );
    this.attempts = 0;
    this.delayMs = this.initialMs;
    this.lastFailure_ = undefined;
    this.bus.emit("up", { path: t.path });
  }

  private attach(t: SerialTransport): () => void {
    const onData = (chunk: Buffer) => {
      if (this.transport === t && this.state_ === "connected") this.bus.emit("data", chunk);
    };
    const onClose = (err?: Error) => {
      if (this.transport === t && this.state_ === "connected") this.lost(t, err);
    };
    const onError = (err: Error) => {
      if (this.transport !== t) return;
      if (this.state_ === "connected" && classifySerialError(err) === "unplugged") {
        this.lost(t, err);
      } else {
        this.log.warn({ err, path: t.path }, "serial line error");
      }
    };
    t.on("data", onData);
    t.on("close", onClose);
    t.on("error", onError);
    const detach = () => {
      t.off("data", onData);
      t.off("close", onClose);
      t.off("error", onError);
    };
    this.detach = detach;
    return detach;
  }

  private release(): void {
    this.detach?.();
    this.detach = undefined;
    this.transport = undefined;
  }

  /** The open line went away. */
  private lost(t: SerialTransport, err: Error | undefined): void {
    this.release();
    // Usually closed already; if not (a failed write), close it so that the port lock is released.
    void t.close().catch(() => {});
    this.state_ = "waiting";
    this.upGauge?.set({ bus: this.id }, 0);
    const kind: SerialErrorKind = err ? classifySerialError(err) : "unplugged";
    this.losses?.inc({ bus: this.id, kind });
    this.lastFailure_ = {
      kind,
      errno: serialErrorCode(err),
      message: err?.message ?? "closed",
      at: Date.now(),
    };
    this.downSince = Date.now();
    this.attempts = 0;
    this.delayMs = this.initialMs;
    this.log.warn(
      { path: t.path, kind, errno: this.lastFailure_.errno, err: err?.message },
      "serial line lost; reopening",
    );
    this.bus.emit("down", err ? { kind, error: err } : { kind });
    this.retryTimer = setTimeout(() => void this.attempt(), this.delayMs);
  }

  /** An open attempt failed: log (loudly only when something changed) and schedule the next. */
  private failed(err: unknown): void {
    if (this.state_ === "stopped") return;
    this.state_ = "waiting";
    const kind = classifySerialError(err);
    const errno = serialErrorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    const prev = this.lastFailure_;
    this.lastFailure_ = { kind, errno, message, at: Date.now() };
    const delay = this.delayMs;
    const fields = { kind, errno, attempt: this.attempts, retryInMs: delay, err: message };
    if (prev && prev.kind === kind && prev.errno === errno) {
      this.log.debug(fields, "serial line still unavailable");
    } else if (kind === "unplugged") {
      this.log.warn(fields, "serial line unavailable; retrying");
    } else {
      this.log.error(fields, "cannot open serial line; retrying");
    }
    this.delayMs = Math.min(this.maxMs, Math.round(this.delayMs * this.factor));
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
  }
}
