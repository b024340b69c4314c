import type { Migration } from "./migrate.js";

/**
 * The core tables. `events` is the outbox: `body` is the envelope as sent upstream (serialised once
 * at acceptance); `delivered_at` is null until the upstream broker's PUBACK. AUTOINCREMENT keeps
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
];
