import type { JsonObject } from "../core/envelope.js";
import type { Db } from "./db.js";

/** The latest state document of every device, re-announced (retained) after each uplink connect. */
export class DeviceStateTable {
  private readonly upsertStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      "INSERT INTO device_state (device, ts, doc) VALUES (?, ?, ?) ON CONFLICT(device) DO UPDATE SET ts = excluded.ts, doc = excluded.doc",
    );
  }

  put(device: string, ts: number, doc: JsonObject): void {
    this.upsertStmt.run(device, ts, JSON.stringify(doc));
  }

  get(device: string): JsonObject | undefined {
    const doc = this.db.prepare("SELECT doc FROM device_state WHERE device = ?").pluck().get(device) as
      | string
      | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as JsonObject);
  }

  all(): { device: string; ts: number; doc: JsonObject }[] {
    return (
      this.db.prepare("SELECT device, ts, doc FROM device_state ORDER BY device").all() as {
        device: string;
        ts: number;
        doc: string;
      }[]
    ).map((r) => ({ device: r.device, ts: r.ts, doc: JSON.parse(r.doc) as JsonObject }));
  }
}
