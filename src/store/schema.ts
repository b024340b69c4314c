import type Database from "better-sqlite3";
import { fromV2, type V2Row } from "./event-row.js";
import type { Migration } from "./migrate.js";

/**
 * The core tables. `events` is the outbox: since version 3 a compact row (the binary id, integer
 * ts, a kind number for gateway/device/type from `event_kinds`, flags, the device's payload) from
 * which the envelope is built at send time (event-row.ts); up to version 2, `body` held the
 * envelope as sent. `seq` is assigned by ingest (see v2). An event is delivered (the upstream
 * broker's PUBACK) when its seq is at most the newest `delivery_marks.upto` (version 2), or,
 * acknowledged out of order, has `delivered_at` set. The last seq survives retention in meta
 * `events_last_seq` (version 2; AUTOINCREMENT before).
 */
export const CORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "outbox, telemetry, devices, ledger, state",
    up: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        device TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        delivered_at INTEGER
      );
      CREATE INDEX events_pending ON events(seq) WHERE delivered_at IS NULL;
      CREATE TABLE telemetry (
        rowid INTEGER PRIMARY KEY,
        device TEXT NOT NULL,
        ts INTEGER NOT NULL,
        metrics TEXT NOT NULL
      );
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE commands (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        result TEXT
      );
      CREATE TABLE device_state (
        device TEXT PRIMARY KEY,
        ts INTEGER NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "delivery watermark; events without AUTOINCREMENT and the pending index",
    // SD-card wear. Delivery becomes a watermark (one row per advance) instead of an UPDATE of every
    // delivered row. Without AUTOINCREMENT a commit no longer rewrites sqlite_sequence's page, and
    // without the partial index of pending rows no index page either: one commit of one event
    // writes one page. The last seq survives retention in meta `events_last_seq` (written by prune).
    // The table is rebuilt once (a copy of the outbox at upgrade).
    up: `
      CREATE TABLE delivery_marks (
        upto INTEGER PRIMARY KEY,
        at INTEGER NOT NULL
      );
      INSERT INTO delivery_marks (upto, at)
        SELECT coalesce(
                 (SELECT min(seq) FROM events WHERE delivered_at IS NULL) - 1,
                 (SELECT max(seq) FROM events),
                 0),
               coalesce((SELECT max(delivered_at) FROM events), 0);
      INSERT INTO meta (key, value)
        SELECT 'events_last_seq', seq FROM sqlite_sequence WHERE name = 'events'
        ON CONFLICT(key) DO UPDATE SET value = excluded.value;
      CREATE TABLE events_v2 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        device TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        delivered_at INTEGER
      );
      INSERT INTO events_v2 SELECT seq, id, ts, device, type, body, delivered_at FROM events;
      DROP TABLE events;
      ALTER TABLE events_v2 RENAME TO events;
    `,
  },
  {
    version: 3,
    name: "compact outbox rows: binary id, kinds dictionary, the payload only; envelope built at send time",
    up: migrateV3,
  },
];

/** Rows copied per step of the v3 migration. */
const COPY_ROWS = 1000;

/**
 * Version 3 (SD-card wear): the row holds the device's payload and compact metadata instead of
 * the envelope with the same fields again in columns (about 240 bytes a row for a 200-byte
 * payload instead of 440). Every v2 row is copied in seq order; one whose envelope
 * `envelopeText` rebuilds byte for byte becomes compact, any other keeps its stored envelope
 * (FLAG_VERBATIM), so every pending event is sent after the upgrade exactly as before.
 * `events_view` shows the rows with text ids and names (for `sqlite3` in a shell, and tests).
 */
function migrateV3(db: Database.Database): void {
  db.exec(`
    CREATE TABLE event_kinds (
      kind INTEGER PRIMARY KEY,
      gw TEXT NOT NULL,
      device TEXT NOT NULL,
      type TEXT NOT NULL,
      UNIQUE (gw, device, type)
    );
    CREATE TABLE events_v3 (
      seq INTEGER PRIMARY KEY,
      id BLOB NOT NULL,
      ts INTEGER NOT NULL,
      kind INTEGER NOT NULL,
      flags INTEGER NOT NULL,
      delivered_at INTEGER,
      data TEXT NOT NULL
    );
  `);
  const kinds = new Map<string, number>();
  const addKind = db
    .prepare("INSERT INTO event_kinds (gw, device, type) VALUES (?, ?, ?) RETURNING kind")
    .pluck();
  const kindOf = (gw: string, device: string, type: string): number => {
    const k = `${gw}\u0000${device}\u0000${type}`;
    let kind = kinds.get(k);
    if (kind === undefined) {
      kind = addKind.get(gw, device, type) as number;
      kinds.set(k, kind);
    }
    return kind;
  };
  const read = db.prepare(
    "SELECT seq, id, ts, device, type, body, delivered_at FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
  );
  const write = db.prepare(
    "INSERT INTO events_v3 (seq, id, ts, kind, flags, delivered_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = read.all(after, COPY_ROWS) as (V2Row & { delivered_at: number | null })[];
    for (const r of rows) {
      const v = fromV2(r);
      write.run(r.seq, v.id, r.ts, kindOf(v.gw, r.device, r.type), v.flags, r.delivered_at, v.data);
    }
    if (rows.length < COPY_ROWS) break;
    after = rows[rows.length - 1]!.seq;
  }
  db.exec(`
    DROP TABLE events;
    ALTER TABLE events_v3 RENAME TO events;
    CREATE VIEW events_view AS
      SELECT e.seq,
             CASE WHEN typeof(e.id) = 'blob' AND length(e.id) = 16
               THEN lower(substr(hex(e.id), 1, 8) || '-' || substr(hex(e.id), 9, 4) || '-' ||
                          substr(hex(e.id), 13, 4) || '-' || substr(hex(e.id), 17, 4) || '-' ||
                          substr(hex(e.id), 21))
               ELSE e.id END AS id,
             e.ts, k.gw, k.device, k.type,
             (e.flags & 1) != 0 AS unsynced,
             CASE WHEN e.flags & 2 THEN json_extract(e.data, '$.data') ELSE e.data END AS data,
             e.delivered_at
        FROM events e JOIN event_kinds k ON k.kind = e.kind;
  `);
}
