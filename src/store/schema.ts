import type { Migration } from "./migrate.js";

/**
 * The core tables. `events` is the outbox: `body` is the envelope as sent upstream (serialised once
 * at acceptance). `seq` is assigned by ingest (see v2). An event is delivered (the upstream broker's PUBACK) when its seq is at most the
 * newest `delivery_marks.upto` (version 2), or, acknowledged out of order, has `delivered_at` set. AUTOINCREMENT keeps
 * `seq` growing across restarts even after retention deletes every row.
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
];
