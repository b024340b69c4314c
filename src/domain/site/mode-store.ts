/**
 * The site mode's tables (migration component `site`, src/store/migrate.ts):
 *
 * - `site_mode`: one row, the mode now (survives a restart);
 * - `site_mode_history`: every change, in order, with the command that made it; `emitted` is 0
 *   until its `site.mode_changed` event is in the event store (the row is the event's outbox:
 *   one transaction writes the mode and the row, the event follows, a crash between them is
 *   repaired by sending the unemitted rows again at the next start).
 */
import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";
import type { SiteModeName, SiteModeState } from "./mode-types.js";

export const SITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "site mode and its history",
    up: `
      CREATE TABLE site_mode (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        mode TEXT NOT NULL CHECK (mode IN ('normal','emergency')),
        reason TEXT,
        since TEXT NOT NULL,
        until TEXT,
        command_id TEXT,
        clock_unsynced INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE site_mode_history (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        mode TEXT NOT NULL,
        previous TEXT NOT NULL,
        reason TEXT NOT NULL,
        until TEXT,
        command_id TEXT,
        clock_unsynced INTEGER NOT NULL DEFAULT 0,
        emitted INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
];

interface ModeRow {
  mode: SiteModeName;
  reason: string | null;
  since: string;
  until: string | null;
  command_id: string | null;
  clock_unsynced: number;
}

/** One change of mode, as kept in the history (and sent as `site.mode_changed`). */
export interface ModeChange {
  n: number;
  at: string;
  mode: SiteModeName;
  previous: SiteModeName;
  reason: string;
  until: string | null;
  commandId: string | null;
  clockUnsynced: boolean;
}

interface HistoryRow {
  n: number;
  at: string;
  mode: SiteModeName;
  previous: SiteModeName;
  reason: string;
  until: string | null;
  command_id: string | null;
  clock_unsynced: number;
}

const toChange = (r: HistoryRow): ModeChange => ({
  n: r.n,
  at: r.at,
  mode: r.mode,
  previous: r.previous,
  reason: r.reason,
  until: r.until,
  commandId: r.command_id,
  clockUnsynced: r.clock_unsynced === 1,
});

/** The site mode's SQLite rows. Synchronous (better-sqlite3); store errors are thrown as they come. */
export class SiteModeStore {
  constructor(private readonly db: Database.Database) {
    migrate(db, "site", SITE_MIGRATIONS);
  }

  /** The mode now; inserts the initial `normal` (since `nowIso`) on the first start. */
  load(nowIso: string, unsynced: boolean): SiteModeState {
    let row = this.db.prepare("SELECT * FROM site_mode WHERE id = 1").get() as ModeRow | undefined;
    if (!row) {
      this.db
        .prepare(
          "INSERT INTO site_mode (id, mode, reason, since, until, command_id, clock_unsynced) VALUES (1, 'normal', NULL, ?, NULL, NULL, ?)",
        )
        .run(nowIso, unsynced ? 1 : 0);
      row = { mode: "normal", reason: null, since: nowIso, until: null, command_id: null, clock_unsynced: 0 };
      row.clock_unsynced = unsynced ? 1 : 0;
    }
    return {
      mode: row.mode,
      reason: row.reason,
      since: row.since,
      until: row.until,
      commandId: row.command_id,
      ...(row.clock_unsynced === 1 ? { clockUnsynced: true } : {}),
    };
  }

  /** Write the new mode and its history row in one transaction; returns the history row. */
  change(next: SiteModeState, previous: SiteModeName): ModeChange {
    return this.db.transaction(() => {
      this.db
        .prepare(
          "UPDATE site_mode SET mode = ?, reason = ?, since = ?, until = ?, command_id = ?, clock_unsynced = ? WHERE id = 1",
        )
        .run(next.mode, next.reason, next.since, next.until, next.commandId, next.clockUnsynced ? 1 : 0);
      const info = this.db
        .prepare(
          "INSERT INTO site_mode_history (at, mode, previous, reason, until, command_id, clock_unsynced) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(
          next.since,
          next.mode,
          previous,
          next.reason ?? "",
          next.until,
          next.commandId,
          next.clockUnsynced ? 1 : 0,
        );
      return {
        n: Number(info.lastInsertRowid),
        at: next.since,
        mode: next.mode,
        previous,
        reason: next.reason ?? "",
        until: next.until,
        commandId: next.commandId,
        clockUnsynced: next.clockUnsynced === true,
      };
    })();
  }

  /** Changes whose event is not in the event store yet, oldest first. */
  unemitted(): ModeChange[] {
    return (
      this.db.prepare("SELECT * FROM site_mode_history WHERE emitted = 0 ORDER BY n").all() as HistoryRow[]
    ).map(toChange);
  }

  markEmitted(n: number): void {
    this.db.prepare("UPDATE site_mode_history SET emitted = 1 WHERE n = ?").run(n);
  }

  /** The last `limit` changes, newest first. */
  history(limit = 50): ModeChange[] {
    return (
      this.db.prepare("SELECT * FROM site_mode_history ORDER BY n DESC LIMIT ?").all(limit) as HistoryRow[]
    ).map(toChange);
  }
}
