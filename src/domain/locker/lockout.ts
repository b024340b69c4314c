import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import { DEVICE_ID_RE } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Announcer } from "./outbox.js";
import { type LockerSettings, slowedIntervalMs } from "./settings.js";

/** Terminal (kiosk) ids are device ids: events about a terminal carry it as their `device`. */
export function assertTerminal(terminal: unknown): asserts terminal is string {
  if (typeof terminal !== "string" || !DEVICE_ID_RE.test(terminal)) {
    throw new QhError("QH_LOCKER_INPUT_INVALID", "terminal: must be a device id (1-64 of A-Z a-z 0-9 _ -)");
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Why a code was not even looked at (counted in `qh_kiosk_codes_refused_total{reason}`). */
export type GuardRefusal = "terminal_unknown" | "locked_out" | "site_slowed";

/**
 * What the guard has counted since start, for the metrics (read at scrape time): wrong codes by
 * terminal (declared ones only) and kind, and codes refused unread by reason.
 */
export interface GuardTally {
  wrong: Map<string, { terminal: string; kind: "pickup" | "courier"; n: number }>;
  refused: Map<GuardRefusal, number>;
}

/**
 * Wrong codes, counted in SQLite so a restart does not reset them. Pickup and courier codes count
 * alike, at two levels:
 *
 * - per terminal: maxWrongCodes within wrongCodeWindowMinutes lock that terminal out for
 *   lockoutMinutes (kiosk.locked_out; 429 QH_LOCKER_LOCKED_OUT);
 * - site-wide: siteMaxWrongCodes at all terminals together within siteWindowHours put the whole
 *   site into slowed mode (kiosk.guessing_suspected, once per entry): while it lasts, a code is
 *   taken at any terminal only slowedIntervalMs after the last wrong one (429
 *   QH_LOCKER_SITE_SLOWED). A right code does not clear the site count. Rotating terminals, or
 *   having the API token, does not buy more guesses: see expectedYearsToGuess.
 */
export class TerminalGuard {
  readonly tally: GuardTally = { wrong: new Map(), refused: new Map() };

  constructor(
    private readonly db: Database.Database,
    private readonly announcer: Announcer,
    private readonly clock: Clock,
    private readonly settings: LockerSettings,
    private readonly log?: Logger,
  ) {}

  /** Count a code refused unread (an unknown terminal, a lock-out, slowed mode). */
  refused(reason: GuardRefusal): void {
    this.tally.refused.set(reason, (this.tally.refused.get(reason) ?? 0) + 1);
  }

  /**
   * Lines for /health `warnings`: the site in slowed mode (with when the next code is taken) and
   * every terminal locked out now (until when).
   */
  warnings(now: number = this.clock.now()): string[] {
    const out: string[] = [];
    const { n } = this.siteCount(now);
    if (n >= this.settings.siteMaxWrongCodes) {
      const next = this.slowedUntil(now);
      out.push(
        `locker: site slowed after ${n} wrong codes within ${this.settings.siteWindowHours} h (kiosk.guessing_suspected): ${
          next === undefined ? "the next code is taken now" : `codes taken again from ${iso(next)}`
        }`,
      );
    }
    const locked = this.db
      .prepare("SELECT terminal, until FROM locker_lockouts WHERE until > ? ORDER BY terminal")
      .all(now) as { terminal: string; until: number }[];
    for (const l of locked)
      out.push(`locker: terminal ${l.terminal} locked out after wrong codes until ${iso(l.until)}`);
    return out;
  }

  lockedUntil(terminal: string): number | undefined {
    const row = this.db.prepare("SELECT until FROM locker_lockouts WHERE terminal = ?").get(terminal) as
      | { until: number }
      | undefined;
    return row && row.until > this.clock.now() ? row.until : undefined;
  }

  /** Site-wide: wrong codes within the site window, and the latest of them. */
  siteCount(now: number = this.clock.now()): { n: number; last: number | null } {
    const since = now - this.settings.siteWindowHours * 3_600_000;
    return this.db
      .prepare("SELECT count(*) AS n, max(at) AS last FROM locker_site_wrong_codes WHERE at > ?")
      .get(since) as { n: number; last: number | null };
  }

  /** When slowed mode takes the next code, or undefined when the site is not slowed now. */
  slowedUntil(now: number = this.clock.now()): number | undefined {
    const { n, last } = this.siteCount(now);
    if (n < this.settings.siteMaxWrongCodes || last === null) return undefined;
    const interval = slowedIntervalMs(this.settings);
    // a clock stepped back never makes the wait longer than one interval
    const next = Math.min(last, now) + interval;
    return next > now ? next : undefined;
  }

  /** Throws 429 codes when the terminal is locked out or the site is slowed. Never names another terminal. */
  assertOpen(terminal: string): void {
    const until = this.lockedUntil(terminal);
    if (until !== undefined) {
      this.refused("locked_out");
      throw new QhError(
        "QH_LOCKER_LOCKED_OUT",
        `this terminal is locked after too many wrong codes until ${iso(until)}`,
        {
          until: iso(until),
        },
      );
    }
    const slowed = this.slowedUntil();
    if (slowed !== undefined) {
      this.refused("site_slowed");
      throw new QhError(
        "QH_LOCKER_SITE_SLOWED",
        `too many wrong codes at this site: codes are taken again from ${iso(slowed)}`,
        { retryAt: iso(slowed) },
      );
    }
  }

  /** Count a wrong code; lock the terminal out at the limit (kiosk.locked_out, durable). Always throws. */
  async wrong(terminal: string, kind: "pickup" | "courier"): Promise<never> {
    const s = this.settings;
    let entered: { wrongCodes: number; terminals: string[] } | undefined;
    const verdict = await this.announcer.commit((out) => {
      this.db.prepare("INSERT INTO locker_wrong_codes (terminal, at) VALUES (?, ?)").run(terminal, out.now);
      this.db
        .prepare("INSERT INTO locker_site_wrong_codes (at, terminal) VALUES (?, ?)")
        .run(out.now, terminal);
      const site = this.siteCount(out.now);
      if (site.n === s.siteMaxWrongCodes) {
        // the count just reached the limit: the site enters slowed mode
        const terminals = (
          this.db
            .prepare("SELECT DISTINCT terminal FROM locker_site_wrong_codes WHERE at > ? ORDER BY terminal")
            .all(out.now - s.siteWindowHours * 3_600_000) as { terminal: string }[]
        ).map((r) => r.terminal);
        out.emit(terminal, "kiosk.guessing_suspected", {
          terminal,
          wrongCodes: site.n,
          windowHours: s.siteWindowHours,
          terminals: terminals.slice(0, 100),
          slowedSeconds: Math.round(slowedIntervalMs(s) / 1000),
          lastCodeKind: kind,
        });
        entered = { wrongCodes: site.n, terminals };
      }
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
        until: iso(until),
        lockoutMinutes: s.lockoutMinutes,
        lastCodeKind: kind,
      });
      return { locked: true as const, until, attempts: n };
    });
    const key = `${terminal}\0${kind}`;
    const t = this.tally.wrong.get(key) ?? { terminal, kind, n: 0 };
    t.n++;
    this.tally.wrong.set(key, t);
    if (entered) {
      this.log?.warn(
        {
          terminal,
          ...entered,
          windowHours: s.siteWindowHours,
          slowedSeconds: Math.round(slowedIntervalMs(s) / 1000),
        },
        "kiosk: too many wrong codes across the site: slowed mode (kiosk.guessing_suspected)",
      );
    }
    if (verdict.locked) {
      this.log?.warn(
        { terminal, attempts: verdict.attempts, until: iso(verdict.until), lastCodeKind: kind },
        "kiosk terminal locked out after wrong codes (kiosk.locked_out)",
      );
      throw new QhError(
        "QH_LOCKER_LOCKED_OUT",
        `this terminal is locked after too many wrong codes until ${iso(verdict.until)}`,
        { until: iso(verdict.until) },
      );
    }
    throw new QhError("QH_LOCKER_CODE_WRONG", `wrong ${kind} code`, { attemptsLeft: verdict.left });
  }

  /** A right code clears the terminal's count (not the site's). */
  reset(terminal: string): void {
    this.db.prepare("DELETE FROM locker_wrong_codes WHERE terminal = ?").run(terminal);
  }

  purge(now: number): void {
    this.db
      .prepare("DELETE FROM locker_wrong_codes WHERE at <= ?")
      .run(now - this.settings.wrongCodeWindowMinutes * 60_000);
    this.db.prepare("DELETE FROM locker_lockouts WHERE until <= ?").run(now);
    this.db
      .prepare("DELETE FROM locker_site_wrong_codes WHERE at <= ?")
      .run(now - this.settings.siteWindowHours * 3_600_000);
  }
}
