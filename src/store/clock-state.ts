import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { QhError } from "../core/errors.js";
import type { HighWaterMark, HighWaterStore } from "../core/timekeeper.js";
import { dbFile } from "./db.js";
import { migrate } from "./migrate.js";

/**
 * The clock's high-water mark: the last wall time the gateway recorded (every minute, on a
 * correction and at stop), whether the clock was synchronised then, and if not, from which time
 * on its readings may be off (what a later correction must move). One row, component "clock"
 * in schema_version. At start a wall clock behind it is known to be wrong (TimeKeeper).
 */
export class ClockStateTable implements HighWaterStore {
  private readonly get: Database.Statement;
  private readonly put: Database.Statement;

  constructor(db: Database.Database) {
    migrate(db, "clock", [
      {
        version: 1,
        name: "clock high-water mark",
        up: "CREATE TABLE clock_state (id INTEGER PRIMARY KEY CHECK (id = 1), high_water INTEGER NOT NULL, synced INTEGER NOT NULL, frame_start INTEGER)",
      },
    ]);
    this.get = db.prepare("SELECT high_water, synced, frame_start FROM clock_state WHERE id = 1");
    this.put = db.prepare(
      "INSERT INTO clock_state (id, high_water, synced, frame_start) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET high_water = excluded.high_water, synced = excluded.synced, frame_start = excluded.frame_start",
    );
  }

  load(): HighWaterMark | undefined {
    const r = this.get.get() as
      | { high_water: number; synced: number; frame_start: number | null }
      | undefined;
    if (!r) return undefined;
    return {
      at: r.high_water,
      synced: r.synced === 1,
      ...(r.frame_start === null ? {} : { frameStart: r.frame_start }),
    };
  }

  save(m: HighWaterMark): void {
    this.put.run(
      Math.round(m.at),
      m.synced ? 1 : 0,
      m.frameStart === undefined ? null : Math.round(m.frameStart),
    );
  }
}

/** What `quarterhour store clock-reset` found and removed. */
export interface ClockReset {
  /** the recorded time that was given up (ISO), undefined when none was recorded */
  recorded?: string;
  /** whether the clock was synchronised when it was recorded */
  synced?: boolean;
}

/**
 * Forget the clock's high-water mark of a stopped gateway's store (the caller holds the data dir's
 * lock): the next start no longer runs on from it, and times a previous unsynchronised run
 * recorded are no longer carried over. For a mark recorded on a clock that was wrong (a year set by
 * hand). Throws QH_STORE_MISSING when there is no database.
 */
export function resetClockState(dataDir: string): ClockReset {
  const file = dbFile(dataDir);
  if (!existsSync(file))
    throw new QhError("QH_STORE_MISSING", `no database at ${file}: nothing to reset`, { file });
  const db = new Database(file, { fileMustExist: true });
  try {
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'clock_state'")
      .get();
    if (!table) return {};
    const r = db.prepare("SELECT high_water, synced FROM clock_state WHERE id = 1").get() as
      | { high_water: number; synced: number }
      | undefined;
    db.prepare("DELETE FROM clock_state").run();
    return r ? { recorded: new Date(r.high_water).toISOString(), synced: r.synced === 1 } : {};
  } finally {
    db.close();
  }
}
