import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";

/**
 * The distribution rounds' tables (component "distribution" in schema_version). A bundle's pickup
 * code is kept only as the locker's keyed hash (HMAC-SHA256 with the site key, kind "pickup"),
 * the way parcel codes are. One household, one bundle per round: a unique index says so.
 */
export const DISTRIBUTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "distribution rounds and bundles",
    up: `
CREATE TABLE distribution_rounds (
  round_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('open','closed')),
  closes_at INTEGER,
  created_at INTEGER NOT NULL,
  closed_at INTEGER,
  close_reason TEXT
) WITHOUT ROWID;

CREATE TABLE distribution_bundles (
  bundle_id TEXT PRIMARY KEY,
  round_id TEXT NOT NULL REFERENCES distribution_rounds (round_id),
  household TEXT NOT NULL,
  code_hash BLOB NOT NULL,
  slot_from INTEGER,
  slot_to INTEGER,
  size TEXT CHECK (size IN ('XS','S','M','L','XL')),
  zone TEXT NOT NULL CHECK (zone IN ('ambient','chilled','frozen')),
  state TEXT NOT NULL CHECK (state IN ('pending','waiting','loading','loaded','collecting','collected','unclaimed')),
  device TEXT,
  compartment TEXT,
  door_opened INTEGER NOT NULL DEFAULT 0,
  volunteer TEXT,
  terminal TEXT,
  position INTEGER NOT NULL,
  queued_at INTEGER,
  loaded_at INTEGER,
  collected_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX distribution_one_per_household ON distribution_bundles (round_id, household);
CREATE INDEX distribution_bundles_code ON distribution_bundles (code_hash);
CREATE INDEX distribution_bundles_place ON distribution_bundles (device, compartment) WHERE device IS NOT NULL;
CREATE INDEX distribution_bundles_round ON distribution_bundles (round_id, state);
`,
  },
  {
    version: 2,
    name: "bundles taken back out of their compartment (retrieving, retrieved)",
    // SQLite cannot alter a CHECK: the table is rebuilt (nothing references it)
    up: `
CREATE TABLE distribution_bundles_v2 (
  bundle_id TEXT PRIMARY KEY,
  round_id TEXT NOT NULL REFERENCES distribution_rounds (round_id),
  household TEXT NOT NULL,
  code_hash BLOB NOT NULL,
  slot_from INTEGER,
  slot_to INTEGER,
  size TEXT CHECK (size IN ('XS','S','M','L','XL')),
  zone TEXT NOT NULL CHECK (zone IN ('ambient','chilled','frozen')),
  state TEXT NOT NULL CHECK (state IN ('pending','waiting','loading','loaded','collecting','collected','unclaimed',
    'retrieving','retrieved')),
  device TEXT,
  compartment TEXT,
  door_opened INTEGER NOT NULL DEFAULT 0,
  volunteer TEXT,
  terminal TEXT,
  position INTEGER NOT NULL,
  queued_at INTEGER,
  loaded_at INTEGER,
  collected_at INTEGER,
  updated_at INTEGER NOT NULL,
  retrieved_at INTEGER,
  retrieve_reason TEXT CHECK (retrieve_reason IN ('recalled','expired','unclaimed','remote_open')),
  retrieved_by TEXT
);
INSERT INTO distribution_bundles_v2 (bundle_id, round_id, household, code_hash, slot_from, slot_to, size, zone,
  state, device, compartment, door_opened, volunteer, terminal, position, queued_at, loaded_at, collected_at,
  updated_at)
SELECT bundle_id, round_id, household, code_hash, slot_from, slot_to, size, zone, state, device, compartment,
  door_opened, volunteer, terminal, position, queued_at, loaded_at, collected_at, updated_at
FROM distribution_bundles;
DROP TABLE distribution_bundles;
ALTER TABLE distribution_bundles_v2 RENAME TO distribution_bundles;
CREATE UNIQUE INDEX distribution_one_per_household ON distribution_bundles (round_id, household);
CREATE INDEX distribution_bundles_code ON distribution_bundles (code_hash);
CREATE INDEX distribution_bundles_place ON distribution_bundles (device, compartment) WHERE device IS NOT NULL;
CREATE INDEX distribution_bundles_round ON distribution_bundles (round_id, state);
`,
  },
];

export function migrateDistribution(db: Database.Database): number {
  return migrate(db, "distribution", DISTRIBUTION_MIGRATIONS);
}

/** Bundle states that hold (or are about to hold) a compartment. */
export const IN_LOCKER = ["loading", "loaded", "collecting", "retrieving"] as const;
