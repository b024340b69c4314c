/**
 * The one clock, injectable so tests can move time (overdue parcels, command expiry).
 *
 * Two readings, never mixed up (DESIGN.md, "Time on a box without a clock"):
 * - `now()`: wall time (epoch ms) for timestamps and for deadlines shared with the world. On the
 *   gateway it comes from the TimeKeeper (src/core/timekeeper.ts), which keeps it free of steps
 *   while the system clock is not synchronised and re-anchors stored deadlines when it is corrected.
 * - `mono()`: monotonic ms (arbitrary origin, this process only): for durations held in memory.
 */
export interface Clock {
  /** Wall time, epoch ms. */
  now(): number;
  /** Monotonic ms, arbitrary origin; never steps (performance.now() on the system clock). */
  mono(): number;
  /** Whether now() is known to be right (the system clock synchronised, or trusted by config). */
  synced(): boolean;
  /**
   * Subscribe to corrections: `deltaMs` is how far now() moved at once (the wall clock was found
   * off by that much). Times recorded at or after `since` (on the old reading) were taken on the
   * clock that was off: a holder of stored deadlines shifts those by `deltaMs`, so durations
   * survive; earlier ones were taken on a clock already right (-Infinity: shift all). Called
   * synchronously, before now() returns the corrected time to anyone else. Returns the unsubscribe.
   */
  onCorrection(listener: CorrectionListener): () => void;
  /**
   * While unsynchronised: the first now() reading that may be off (-Infinity: all). Times recorded
   * before it were taken on a clock that was right (wall time): a deadline among them cannot be
   * judged on this clock until it is synchronised. Undefined while synchronised, or when the clock
   * cannot tell (then every deadline is judged as before).
   */
  unsyncedSince?(): number | undefined;
}

export type CorrectionListener = (deltaMs: number, since: number) => void;

/** The bare system clock: wall time as is, assumed right, never corrected. */
export const systemClock: Clock = {
  now: () => Date.now(),
  mono: () => performance.now(),
  synced: () => true,
  onCorrection: () => () => {},
};

/**
 * A clock for tests. `advance(ms)` lets time flow (wall and monotonic alike); `step(ms)` moves
 * only the wall clock, the way NTP or `date -s` steps a system clock; `set(t)` moves the wall
 * clock to `t` (a step). Handed to a TimeKeeper as its source, it reproduces clock steps;
 * used directly, `correct(ms)` plays a TimeKeeper's correction to the subscribers.
 */
export class ManualClock implements Clock {
  private m = 1_000_000;
  private isSynced = true;
  private readonly listeners = new Set<CorrectionListener>();

  constructor(private t: number = Date.parse("2026-01-01T00:00:00.000Z")) {}
  now(): number {
    return this.t;
  }
  mono(): number {
    return this.m;
  }
  synced(): boolean {
    return this.isSynced;
  }
  setSynced(synced: boolean): void {
    this.isSynced = synced;
  }
  onCorrection(listener: CorrectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** Time flows: wall and monotonic time both move by `ms`. */
  advance(ms: number): void {
    this.t += ms;
    this.m += ms;
  }
  /** The wall clock steps by `ms` (either sign); monotonic time does not move. */
  step(ms: number): void {
    this.t += ms;
  }
  /** The wall clock is set to `t` (a step); monotonic time does not move. */
  set(t: number): void {
    this.t = t;
  }
  /** Step the wall clock by `ms` and tell the subscribers, as a TimeKeeper does on a correction. */
  correct(ms: number, since = Number.NEGATIVE_INFINITY): void {
    this.t += ms;
    for (const l of this.listeners) l(ms, since);
  }
}
