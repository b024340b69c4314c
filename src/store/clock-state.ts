import type Database from "better-sqlite3";
import type { HighWaterStore } from "../core/timekeeper.js";
import { migrate } from "./migrate.js";

/**
 * The clock's high-water mark: the last wall time the gateway recorded (every minute, on a
 * correction and at stop) and whether the clock was synchronised then. One row, component "clock"
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
        up: "CREATE TABLE clock_state (id INTEGER PRIMARY KEY CHECK (id = 1), high_water INTEGER NOT NULL, synced INTEGER NOT NULL)",
      },
    ]);
    this.get = db.prepare("SELECT high_water, synced FROM clock_state WHERE id = 1");
    this.put = db.prepare(
      "INSERT INTO clock_state (id, high_water, synced) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET high_water = excluded.high_water, synced = excluded.synced",
    );
  }

  load(): { at: number; synced: boolean } | undefined {
    const r = this.get.get() as { high_water: number; synced: number } | undefined;
    return r ? { at: r.high_water, synced: r.synced === 1 } : undefined;
  }

  save(at: number, synced: boolean): void {
    this.put.run(Math.round(at), synced ? 1 : 0);
  }
}
