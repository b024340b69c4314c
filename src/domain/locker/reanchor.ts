import type Database from "better-sqlite3";

/** What one re-anchoring moved, for the log. */
export interface Reanchored {
  deadlines: number;
  doorTimers: number;
  lockouts: number;
}

/**
 * The clock was corrected by `deltaMs` (now() moved by that much at once): move every stored time
 * the locker measures a duration from, recorded at or after `since` (on the clock that was off), by
 * the same amount, in one transaction, so no duration gains or loses the step (DESIGN.md, "Time on
 * a box without a clock"). A deadline issued while the clock was 3 days behind moves 3 days on: the
 * parcel stays for its whole pickup window, counted on the monotonic clock, instead of going
 * overdue a second after NTP steps the clock. Times recorded before `since` were taken on a clock
 * that was right and stay.
 *
 * Moved: the pickup deadlines the gateway computed itself (deliveries stored or being collected,
 * by their deposit time), pulse and door-change times (jam and left-open timers), lock-outs (by
 * their start, `until - lockoutMs`) and wrong-code counts. Not moved: deadlines set by the platform
 * (reservations: wall times on the platform's clock, right whatever ours said) and history
 * (deposited_at, closed_at: records, flagged by the events' `clock` field instead).
 */
export function reanchorLocker(
  db: Database.Database,
  deltaMs: number,
  since: number,
  lockoutMs: number,
): Reanchored {
  const p = { d: Math.round(deltaMs), s: Number.isFinite(since) ? Math.round(since) : -(2 ** 53) };
  return db.transaction(() => ({
    deadlines: db
      .prepare(
        "UPDATE locker_parcels SET deadline = deadline + @d WHERE kind = 'delivery' AND deadline IS NOT NULL AND state IN ('stored', 'collecting') AND deposited_at >= @s",
      )
      .run(p).changes,
    doorTimers:
      db.prepare("UPDATE locker_compartments SET pulse_at = pulse_at + @d WHERE pulse_at >= @s").run(p)
        .changes +
      db
        .prepare(
          "UPDATE locker_compartments SET door_changed_at = door_changed_at + @d WHERE door_changed_at >= @s",
        )
        .run(p).changes,
    lockouts:
      db
        .prepare("UPDATE locker_lockouts SET until = until + @d WHERE until - @l >= @s")
        .run({ ...p, l: lockoutMs }).changes +
      db.prepare("UPDATE locker_wrong_codes SET at = at + @d WHERE at >= @s").run(p).changes,
  }))();
}
