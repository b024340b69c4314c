/**
 * The gateway's clock on a box without a battery-backed clock (DESIGN.md, "Time on a box without a
 * clock"). It reads the system's wall and monotonic clocks and gives the rest of the gateway:
 *
 * - `now()`: wall time that never steps on its own. A step of the system clock (wall time moving
 *   by more than `stepToleranceMs` against monotonic time) is absorbed into an offset, so every
 *   duration measured in now() stays true. It is adopted only once the clock is synchronised (the
 *   OS says so, or config trusts it): then now() moves by the whole offset at once and the
 *   `onCorrection` subscribers shift their stored deadlines by the same delta (re-anchoring).
 * - `synced()`: false while the OS says the clock is not synchronised, while config says never,
 *   and while the wall clock is behind the last time recorded in the store (the high-water mark):
 *   the gateway never runs before a time it has already recorded.
 *
 *   system wall ─┐ step? ─► absorb into offset ─► (synchronised) ─► adopt: delta to subscribers
 *   system mono ─┘                     now() = wall + offset, ≥ the high-water mark at start
 */
import type { Clock, CorrectionListener } from "./clock.js";
import type { Logger } from "./logger.js";
import { osTimeSyncProbe, type SyncReading } from "./time-sync.js";

/** "auto": ask the OS; "yes": trust the wall clock (an RTC, tests); "no": never trust it. */
export type SyncMode = "auto" | "yes" | "no";

/**
 * The high-water mark (a row in the gateway database): the last time recorded, whether the clock
 * was synchronised then, and if not, since when its readings were off (`frameStart`).
 */
export interface HighWaterMark {
  at: number;
  synced: boolean;
  frameStart?: number;
}

export interface HighWaterStore {
  load(): HighWaterMark | undefined;
  save(mark: HighWaterMark): void;
}

export interface TimeKeeperOptions {
  mode: SyncMode;
  log: Logger;
  /** the raw clocks (default: Date.now and performance.now); a ManualClock in tests */
  source?: { now(): number; mono(): number };
  /**
   * What the OS says about synchronisation (default: osTimeSyncProbe, which spares the event loop
   * the child process while its last answer stands); `fresh`: after a step of the clock, ask anew.
   */
  probe?: (fresh?: boolean) => Promise<SyncReading>;
  store?: HighWaterStore;
  /** how often to ask the OS (ms, default 30 s) */
  checkMs?: number;
  /** how often to record the high-water mark (ms, default 60 s) */
  saveMs?: number;
  /** wall-vs-monotonic disagreement that counts as a step (ms, default 1000) */
  stepToleranceMs?: number;
}

/** What /health and logs say about the clock. */
export interface ClockStatus {
  synced: boolean;
  mode: SyncMode;
  /** how the OS answered: "timesyncd", "timedatectl", "none" (cannot tell), or "config" */
  via: string;
  /** now() minus the system wall clock (ms): non-zero while a step is absorbed */
  offsetMs: number;
  /** the wall clock was found behind the last recorded time */
  behindHighWater: boolean;
  lastCorrection?: { deltaMs: number; at: string };
  /**
   * The recorded high-water mark was found ahead of a synchronised (or trusted) clock by this much
   * (ms) and given up: the clock was trusted and the gateway's time stepped back (logged at warn).
   */
  recordedAheadMs?: number;
}

const systemSource = { now: () => Date.now(), mono: () => performance.now() };

export class TimeKeeper implements Clock {
  private readonly src: { now(): number; mono(): number };
  private readonly tol: number;
  private readonly listeners = new Set<CorrectionListener>();
  private offset = 0;
  /**
   * From which reading on now() may be off (a run that started unsynchronised, or a previous one's
   * that did): a correction moves only what was recorded since. -Infinity: the whole frame.
   */
  private frameStart = Number.NEGATIVE_INFINITY;
  private lastW: number;
  private lastM: number;
  private os: SyncReading = { synced: undefined, via: "none" };
  private behind = false;
  private lastCorrection: ClockStatus["lastCorrection"];
  private recordedAhead: number | undefined;
  private probing: Promise<void> | undefined;
  private recheck = false;
  private recheckFresh = false;
  /** the probe asked (its own default keeps the last timedatectl answer between checks) */
  private readonly probe: (fresh?: boolean) => Promise<SyncReading>;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly o: TimeKeeperOptions) {
    this.src = o.source ?? systemSource;
    this.probe = o.probe ?? osTimeSyncProbe();
    this.tol = o.stepToleranceMs ?? 1000;
    this.lastW = this.src.now();
    this.lastM = this.src.mono();
  }

  now(): number {
    const w = this.src.now();
    const m = this.src.mono();
    const jump = w - (this.lastW + (m - this.lastM));
    this.lastW = w;
    this.lastM = m;
    if (Math.abs(jump) > this.tol) this.stepped(jump);
    return w + this.offset;
  }

  mono(): number {
    return this.src.mono();
  }

  synced(): boolean {
    if (this.behind || this.o.mode === "no") return false;
    if (this.o.mode === "yes") return true;
    return this.os.synced !== false;
  }

  /**
   * While unsynchronised: the first reading that may be off (this frame's start; -Infinity: all of
   * them). Times recorded before it were taken on a clock that was right: a deadline among them is
   * wall time and cannot be judged on this clock. Undefined while synchronised.
   */
  unsyncedSince(): number | undefined {
    return this.synced() ? undefined : this.frameStart;
  }

  /** The wall clock can be believed over the recorded time: config trusts it, or the OS says synced. */
  private trusted(): boolean {
    return this.o.mode === "yes" || (this.o.mode === "auto" && this.os.synced === true);
  }

  onCorrection(listener: CorrectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): ClockStatus {
    this.now();
    return {
      synced: this.synced(),
      mode: this.o.mode,
      via: this.o.mode === "auto" ? this.os.via : "config",
      offsetMs: Math.round(this.offset),
      behindHighWater: this.behind,
      ...(this.lastCorrection ? { lastCorrection: this.lastCorrection } : {}),
      ...(this.recordedAhead !== undefined ? { recordedAheadMs: Math.round(this.recordedAhead) } : {}),
    };
  }

  /**
   * Ask the OS, check the high-water mark, and start the timers. Call after the holders of stored
   * deadlines have subscribed: a previous run's unsynchronised deadlines are re-anchored here.
   */
  async start(): Promise<void> {
    if (this.o.mode === "auto") this.os = await this.probe(true);
    const rec = this.o.store?.load();
    const w = this.now() - this.offset;
    if (rec && w + this.tol < rec.at) {
      if (this.trusted()) {
        this.recordedAhead = rec.at - w;
        this.o.log.warn(
          { recorded: new Date(rec.at).toISOString(), aheadMs: Math.round(rec.at - w) },
          "clock: the last recorded time is ahead of the synchronised clock: trusting the clock, stepping back (the recorded time was wrong)",
        );
      } else {
        this.behind = true;
        this.offset = rec.at - w;
        this.o.log.warn(
          { recorded: new Date(rec.at).toISOString(), wall: new Date(w).toISOString() },
          "clock: the wall clock is behind the last recorded time: it is wrong (no battery clock?); running on from the recorded time, flagged unsynced",
        );
      }
    }
    const prevFrame = rec && !rec.synced ? (rec.frameStart ?? Number.NEGATIVE_INFINITY) : undefined;
    if (rec && prevFrame !== undefined && this.synced()) {
      // A previous run recorded deadlines on an unsynchronised clock: carry them over to this one
      // (the time the gateway was down is not counted: it is unknown).
      this.frameStart = prevFrame;
      const delta = this.now() - rec.at;
      if (Math.abs(delta) > this.tol) this.announce(delta);
      this.frameStart = Number.NEGATIVE_INFINITY;
    } else if (!this.synced()) {
      // this run's readings may be off: so may the previous unsynchronised run's, in the same frame
      this.frameStart = prevFrame ?? this.now();
    }
    this.o.log.info(this.status(), "clock");
    this.save();
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(1000, () => this.now()); // keep step detection fine-grained (NTP slews up to 0.5 ms/s)
    every(this.o.saveMs ?? 60_000, () => this.save());
    if (this.o.mode === "auto") every(this.o.checkMs ?? 30_000, () => void this.check());
  }

  /** Record the high-water mark one last time and stop the timers. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.save();
  }

  /**
   * Ask the OS again (on the timer, and at once after a step); adopt an absorbed step if in sync.
   * `fresh`: ask anew even where the last answer still stands (see osTimeSyncProbe).
   */
  check(fresh = false): Promise<void> {
    if (this.probing) {
      this.recheck = true; // asked again while asking: the answer may be older than the question
      this.recheckFresh ||= fresh;
      return this.probing;
    }
    this.probing = (async () => {
      let asFresh = fresh;
      do {
        this.recheck = false;
        if (this.o.mode === "auto") this.os = await this.probe(asFresh);
        asFresh = this.recheckFresh;
        this.recheckFresh = false;
        this.reassess();
      } while (this.recheck);
    })().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private stepped(jump: number): void {
    this.offset -= jump; // now() goes on as if nothing happened
    this.o.log.warn({ stepMs: Math.round(jump) }, "clock: the system clock stepped");
    if (this.o.mode === "auto" && this.os.synced !== undefined) void this.check(true);
    else this.reassess();
  }

  /** Adopt the system clock (offset → 0) once it can be trusted. */
  private reassess(): void {
    // the wall clock has caught up with the recorded time (a forward step, most often)
    if (this.behind && this.offset <= this.tol) this.behind = false;
    if (this.o.mode === "no" || (this.o.mode === "auto" && this.os.synced === false)) return;
    if (this.behind && !this.trusted()) return;
    const delta = -this.offset;
    if (this.behind && delta < -this.tol) {
      // ran on from a recorded time the synchronised clock says was ahead: step back, flagged
      this.recordedAhead = -delta;
      this.o.log.warn(
        { aheadMs: Math.round(-delta) },
        "clock: synchronised, and behind the recorded time the gateway ran on from: trusting the clock, stepping back (the recorded time was wrong)",
      );
    }
    this.behind = false;
    this.offset = 0;
    if (Math.abs(delta) > this.tol) this.announce(delta);
    this.frameStart = Number.NEGATIVE_INFINITY; // right from here on
  }

  /** now() moved by `delta` at once: tell the holders of stored deadlines (what since frameStart). */
  private announce(delta: number): void {
    const since = this.frameStart;
    this.lastCorrection = { deltaMs: Math.round(delta), at: new Date(this.now()).toISOString() };
    this.o.log.warn({ deltaMs: Math.round(delta) }, "clock: corrected; stored deadlines re-anchored");
    for (const l of this.listeners) {
      try {
        l(delta, since);
      } catch (err) {
        this.o.log.error({ err }, "clock: a correction listener failed");
      }
    }
    this.save();
  }

  private save(): void {
    try {
      const synced = this.synced();
      this.o.store?.save({
        at: this.now(),
        synced,
        ...(!synced && Number.isFinite(this.frameStart) ? { frameStart: this.frameStart } : {}),
      });
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "clock: cannot record the high-water mark");
    }
  }
}
