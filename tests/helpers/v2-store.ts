import { join } from "node:path";
import Database from "better-sqlite3";
import { migrate } from "../../src/store/migrate.js";
import { CORE_MIGRATIONS } from "../../src/store/schema.js";

/**
 * The envelope exactly as ingest serialised it into `events.body` up to core schema 2 (v0.1.0,
 * src/pipeline/ingest.ts `body()`): the reference a migrated event must still be sent as.
 */
export function v2Body(e: {
  id: string;
  seq: number;
  ts: number;
  gw: string;
  device: string;
  type: string;
  data: string;
  unsynced?: boolean;
}): string {
  return `{"id":"${e.id}","seq":${e.seq},"ts":"${new Date(e.ts).toISOString()}","gw":"${e.gw}","device":"${e.device}","type":"${e.type}","data":${e.data}${e.unsynced ? ',"clock":"unsynced"' : ""}}`;
}

export interface V2Event {
  seq: number;
  id: string;
  ts: number;
  device: string;
  type: string;
  body: string;
  deliveredAt?: number | null;
}

/**
 * A store as a v0.1.0 gateway left it: core schema 2 (4 KiB pages, WAL), the given events, and
 * the delivery watermark at `upTo` (written as v2's forwarder did). Returns the database file.
 */
export function makeV2Store(dataDir: string, events: readonly V2Event[], upTo: number): string {
  const file = join(dataDir, "quarterhour.db");
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    migrate(db, "core", CORE_MIGRATIONS.slice(0, 2));
    const ins = db.prepare(
      "INSERT INTO events (seq, id, ts, device, type, body, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    db.transaction(() => {
      for (const e of events) ins.run(e.seq, e.id, e.ts, e.device, e.type, e.body, e.deliveredAt ?? null);
      db.prepare("INSERT OR REPLACE INTO delivery_marks (upto, at) VALUES (?, ?)").run(upTo, Date.now());
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return file;
}
