/**
 * The cold chain's tables (migrations component "cold", src/store/migrate.ts):
 * - cold_zone_ids: a small integer per zone name (the record's rows carry it)
 * - cold_open: the readings of each zone's open block, one small row each (a power cut loses at
 *   most the reading being written); compacted into cold_blocks every `blockReadings`
 * - cold_blocks: closed blocks, one BLOB of about one byte per reading (record-codec.ts)
 * - cold_zone_state: each zone's alarm state (open alarms, accumulators) as JSON
 * - cold_exposure: parcels seen in a zone during its current excursion
 * - cold_breaches: parcels named in a parcel.cold_chain_breach (the pickup answer says so)
 * - cold_outbox: events decided with a state change, until the event store has them
 */
import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";

export const COLD_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "temperature record, alarm state, exposure, breaches, outbox",
    up: `
      CREATE TABLE cold_zone_ids (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE cold_open (
        zone INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, v INTEGER, flags INTEGER NOT NULL,
        PRIMARY KEY (zone, seq)) WITHOUT ROWID;
      CREATE TABLE cold_blocks (
        id INTEGER PRIMARY KEY, zone INTEGER NOT NULL, first_seq INTEGER NOT NULL, n INTEGER NOT NULL,
        t0 INTEGER NOT NULL, interval INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,
        unsynced INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX cold_blocks_zone_seq ON cold_blocks (zone, first_seq);
      CREATE TABLE cold_zone_state (zone TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE cold_exposure (
        zone TEXT NOT NULL, parcel_id TEXT NOT NULL, device TEXT NOT NULL, compartment TEXT NOT NULL,
        PRIMARY KEY (zone, parcel_id));
      CREATE TABLE cold_breaches (
        parcel_id TEXT NOT NULL, alarm_id TEXT NOT NULL, zone TEXT NOT NULL, device TEXT NOT NULL,
        compartment TEXT NOT NULL, start_at INTEGER NOT NULL, end_at INTEGER NOT NULL, peak_c REAL,
        minutes REAL NOT NULL, PRIMARY KEY (parcel_id, alarm_id));
      CREATE TABLE cold_outbox (
        id INTEGER PRIMARY KEY, device TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
        ts INTEGER NOT NULL, has_secret INTEGER NOT NULL DEFAULT 0);
    `,
  },
];

/** Creates or upgrades the cold chain's tables. */
export function migrateCold(db: Database.Database): number {
  return migrate(db, "cold", COLD_MIGRATIONS);
}
