import type Database from "better-sqlite3";
import type { HighWaterMark, HighWaterStore } from "../core/timekeeper.js";
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
