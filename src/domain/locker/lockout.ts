import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import { DEVICE_ID_RE } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { Announcer } from "./outbox.js";
import type { LockerSettings } from "./settings.js";

/** Terminal (kiosk) ids are device ids: events about a terminal carry it as their `device`. */
export function assertTerminal(terminal: unknown): asserts terminal is string {
  if (typeof terminal !== "string" || !DEVICE_ID_RE.test(terminal)) {
    throw new QhError("QH_LOCKER_INPUT_INVALID", "terminal: must be a device id (1-64 of A-Z a-z 0-9 _ -)");
  }
}

/**
 * Wrong codes per terminal, counted in SQLite so a restart does not reset them. Pickup and courier
 * codes count alike: maxWrongCodes within the window locks the terminal out for lockoutMinutes.
 */
export class TerminalGuard {
  constructor(
    private readonly db: Database.Database,
    private readonly announcer: Announcer,
    private readonly clock: Clock,
    private readonly settings: LockerSettings,
  ) {}

  lockedUntil(terminal: string): number | undefined {
    const row = this.db.prepare("SELECT until FROM locker_lockouts WHERE terminal = ?").get(terminal) as
      | { until: number }
      | undefined;
    return row && row.until > this.clock.now() ? row.until : undefined;
  }

  assertOpen(terminal: string): void {
    const until = this.lockedUntil(terminal);
    if (until !== undefined) {
      throw new QhError(
        "QH_LOCKER_LOCKED_OUT",
        `terminal ${terminal} is locked out after too many wrong codes`,
        {
          until: new Date(until).toISOString(),
        },
      );
    }
  }

  /** Count a wrong code; lock the terminal out at the limit (kiosk.locked_out, durable). Always throws. */
  async wrong(terminal: string, kind: "pickup" | "courier"): Promise<never> {
    const s = this.settings;
    const verdict = await this.announcer.commit((out) => {
      this.db.prepare("INSERT INTO locker_wrong_codes (terminal, at) VALUES (?, ?)").run(terminal, out.now);
      const since = out.now - s.wrongCodeWindowMinutes * 60_000;
      const { n } = this.db
        .prepare("SELECT count(*) AS n FROM locker_wrong_codes WHERE terminal = ? AND at > ?")
        .get(terminal, since) as { n: number };
      if (n < s.maxWrongCodes) return { locked: false as const, left: s.maxWrongCodes - n };
      const until = out.now + s.lockoutMinutes * 60_000;
      this.db
        .prepare(
          "INSERT INTO locker_lockouts (terminal, until) VALUES (?, ?) ON CONFLICT (terminal) DO UPDATE SET until = excluded.until",
        )
        .run(terminal, until);
      this.db.prepare("DELETE FROM locker_wrong_codes WHERE terminal = ?").run(terminal);
      out.emit(terminal, "kiosk.locked_out", {
        terminal,
        attempts: n,
        until: new Date(until).toISOString(),
        lockoutMinutes: s.lockoutMinutes,
        lastCodeKind: kind,
      });
      return { locked: true as const, until };
    });
    if (verdict.locked) {
      throw new QhError(
        "QH_LOCKER_LOCKED_OUT",
        `terminal ${terminal} is locked out after too many wrong codes`,
        {
          until: new Date(verdict.until).toISOString(),
        },
      );
    }
    throw new QhError("QH_LOCKER_CODE_WRONG", `wrong ${kind} code`, { attemptsLeft: verdict.left });
  }

  /** A right code clears the count. */
  reset(terminal: string): void {
    this.db.prepare("DELETE FROM locker_wrong_codes WHERE terminal = ?").run(terminal);
  }

  purge(now: number): void {
    this.db
      .prepare("DELETE FROM locker_wrong_codes WHERE at <= ?")
      .run(now - this.settings.wrongCodeWindowMinutes * 60_000);
    this.db.prepare("DELETE FROM locker_lockouts WHERE until <= ?").run(now);
  }
}
