import type Database from "better-sqlite3";

/** What one re-anchoring moved, for the log. */
export interface Reanchored {
  deadlines: number;
  doorTimers: number;
  lockouts: number;
}

/**
 * The clock was corrected by `deltaMs` (now() moved by that much at once): move every stored time
 * the locker measures a duration from by the same amount, in one transaction, so no duration
 * gains or loses the step (DESIGN.md, "Time on a box without a clock"). A deadline issued while the
 * clock was 3 days behind is moved 3 days on: the parcel stays for its whole pickup window,
 * counted on the monotonic clock, instead of going overdue a second after NTP steps the clock.
 *
 * Moved: the pickup deadlines the gateway computed itself (deliveries stored or being collected),
 * pulse and door-change times (jam and left-open timers), lock-outs and wrong-code counts.
 * Not moved: deadlines set by the platform (reservations: they are wall times on the platform's
 * clock, right whatever ours said) and history (deposited_at, closed_at: records, flagged by the
 * events' `clock` field instead).
 */
export function reanchorLocker(db: Database.Database, deltaMs: number): Reanchored {
  const d = Math.round(deltaMs);
  return db.transaction(() => ({
    deadlines: db
      .prepare(
        "UPDATE locker_parcels SET deadline = deadline + ? WHERE kind = 'delivery' AND deadline IS NOT NULL AND state IN ('stored', 'collecting')",
      )
      .run(d).changes,
    doorTimers: db
      .prepare(
        "UPDATE locker_compartments SET pulse_at = pulse_at + @d, door_changed_at = door_changed_at + @d WHERE pulse_at IS NOT NULL OR door_changed_at IS NOT NULL",
      )
      .run({ d }).changes,
    lockouts:
      db.prepare("UPDATE locker_lockouts SET until = until + ?").run(d).changes +
      db.prepare("UPDATE locker_wrong_codes SET at = at + ?").run(d).changes,
  }))();
}
