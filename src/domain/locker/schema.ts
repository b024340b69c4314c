import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";

/** Parcel states that hold a compartment. */
export const ACTIVE_PARCEL_STATES = [
  "reserved",
  "depositing",
  "stored",
  "overdue",
  "collecting",
  "retrieving",
] as const;
export const ACTIVE_SQL = `(${ACTIVE_PARCEL_STATES.map((s) => `'${s}'`).join(",")})`;

/**
 * The locker's own tables (component "locker" in schema_version). Codes are stored only as
 * HMAC-SHA256 blobs. The outbox holds events committed with the state change they describe until
 * the EventSink has made them durable; it never holds a code.
 */
export const LOCKER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "locker tables",
    up: `
CREATE TABLE locker_compartments (
  device TEXT NOT NULL,
  compartment TEXT NOT NULL,
  position INTEGER NOT NULL,
  size TEXT NOT NULL CHECK (size IN ('XS','S','M','L','XL')),
  size_rank INTEGER NOT NULL,
  board TEXT,
  has_door INTEGER NOT NULL,
  has_presence INTEGER NOT NULL,
  retired INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'free'
    CHECK (state IN ('free','reserved','occupied','overdue','out_of_service')),
  oos_reason TEXT CHECK (oos_reason IN ('jammed','sensor_fault','disabled')),
  oos_note TEXT,
  oos_since INTEGER,
  reachable INTEGER NOT NULL DEFAULT 1,
  door_open INTEGER,
  present INTEGER,
  door_changed_at INTEGER,
  left_open_reported INTEGER NOT NULL DEFAULT 0,
  pulse_pending INTEGER NOT NULL DEFAULT 0,
  pulse_at INTEGER,
  pulse_purpose TEXT,
  pulse_parcel TEXT,
  pulse_terminal TEXT,
  pulse_command TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (device, compartment)
) WITHOUT ROWID;

CREATE TABLE locker_parcels (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('delivery','reservation')),
  order_id TEXT,
  barcode TEXT,
  device TEXT,
  compartment TEXT,
  size TEXT NOT NULL,
  courier TEXT,
  state TEXT NOT NULL CHECK (state IN ('reserved','depositing','stored','overdue','collecting',
    'retrieving','picked_up','retrieved','cancelled','failed','expired')),
  deadline INTEGER,
  door_opened INTEGER NOT NULL DEFAULT 0,
  terminal TEXT,
  created_at INTEGER NOT NULL,
  deposited_at INTEGER,
  overdue_at INTEGER,
  recalled_at INTEGER,
  closed_at INTEGER,
  end_reason TEXT,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX locker_parcels_one_per_compartment ON locker_parcels (device, compartment)
  WHERE state IN ${ACTIVE_SQL};
CREATE UNIQUE INDEX locker_parcels_active_order ON locker_parcels (order_id)
  WHERE order_id IS NOT NULL AND state IN ${ACTIVE_SQL};
CREATE INDEX locker_parcels_state ON locker_parcels (state, deadline);
CREATE INDEX locker_parcels_barcode ON locker_parcels (barcode);

CREATE TABLE locker_pickup_codes (
  hash BLOB PRIMARY KEY,
  parcel_id TEXT NOT NULL REFERENCES locker_parcels (id)
) WITHOUT ROWID;
CREATE INDEX locker_pickup_codes_parcel ON locker_pickup_codes (parcel_id);

CREATE TABLE locker_courier_codes (
  hash BLOB PRIMARY KEY,
  courier TEXT NOT NULL UNIQUE,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE locker_wrong_codes (
  terminal TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX locker_wrong_codes_terminal ON locker_wrong_codes (terminal, at);

CREATE TABLE locker_lockouts (
  terminal TEXT PRIMARY KEY,
  until INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE locker_boards (
  device TEXT NOT NULL,
  board TEXT NOT NULL,
  reachable INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  PRIMARY KEY (device, board)
) WITHOUT ROWID;

CREATE TABLE locker_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  ts INTEGER NOT NULL,
  has_secret INTEGER NOT NULL DEFAULT 0
);
`,
  },
  {
    version: 2,
    name: "site-wide wrong-code guard",
    up: `
CREATE TABLE locker_site_wrong_codes (
  at INTEGER NOT NULL,
  terminal TEXT NOT NULL
);
CREATE INDEX locker_site_wrong_codes_at ON locker_site_wrong_codes (at);
`,
  },
  {
    version: 3,
    name: "roles of a courier code (courier, volunteer)",
    up: `
ALTER TABLE locker_courier_codes ADD COLUMN roles TEXT NOT NULL DEFAULT 'courier,volunteer';
`,
  },
];

export function migrateLocker(db: Database.Database): number {
  return migrate(db, "locker", LOCKER_MIGRATIONS);
}
