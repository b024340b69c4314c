/**
 * The traceability tables (component "trace" in schema_version; src/store/migrate.ts).
 *
 * `trace_loads`: one row per lot loaded by scan: into a vending slot (`kind` slot: `device` the
 * machine, `slot`) or into a locker parcel (`kind` parcel: `device` the locker bank, `parcel_id`;
 * where the parcel is and whether it was collected are read from `locker_parcels`, so a deposit
 * that moved after a jam needs no update here), or into a distribution bundle (`kind` bundle,
 * migration 2: `bundle_id`; `device`/`compartment` where the volunteer's door was when the label
 * was scanned, or the gateway's id and no compartment for a lot the platform named in
 * `distribution.load`; where the bundle is now and whether it was collected are read from
 * `distribution_bundles`).
 *   gtin, lot, expiry (YYYY-MM-DD, day 00 resolved), serial, quantity (items)
 *   sales_from  the last `vending_sales` rowid when the lot went in: the slot's sales after it may
 *               be this lot's (rowids, not wall-clock times: a clock step moves no sale in or out)
 *   sales_to    the rowid of the sale that emptied the slot (NULL while the lot is in the slot)
 *   ended_at    when the slot was emptied or restocked with `replace` (NULL while there)
 *   expired_at  when the expiry check found the lot past its date (blocks the slot; never undone
 *               by a clock: only emptying the slot ends it)
 *   clock_unsynced 1 when loaded_at was taken on an unsynchronised wall clock
 * `trace_run_ons` (migration 3): a lot recorded although it may be a shorter lot with the next
 *   elements run on (a dropped group separator, `trace.gs1.runOnLots: record`): one row per
 *   candidate lot; recalls, slot blocks and refusals match a load by its lot or a candidate.
 * `trace_recalls`: every lot recalled (trace.recall), for good; a recalled lot is refused at load.
 * `trace_outbox`: events decided with a state change, until the event store made them durable.
 */
import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";

export const TRACE_COMPONENT = "trace";

export const TRACE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "lots loaded by scan, recalls, trace outbox",
    up: `
CREATE TABLE trace_loads (
  id INTEGER PRIMARY KEY,
  gtin TEXT NOT NULL,
  lot TEXT NOT NULL,
  expiry TEXT,
  serial TEXT,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  kind TEXT NOT NULL CHECK (kind IN ('slot','parcel','bundle')),
  device TEXT NOT NULL,
  slot INTEGER,
  parcel_id TEXT,
  sales_from INTEGER,
  sales_to INTEGER,
  loaded_at INTEGER NOT NULL,
  clock_unsynced INTEGER NOT NULL DEFAULT 0,
  ended_at INTEGER,
  expired_at INTEGER,
  by TEXT,
  code TEXT
);
CREATE INDEX trace_loads_lot ON trace_loads (gtin, lot);
CREATE INDEX trace_loads_open_slot ON trace_loads (device, slot) WHERE kind = 'slot' AND ended_at IS NULL;
CREATE INDEX trace_loads_parcel ON trace_loads (parcel_id) WHERE parcel_id IS NOT NULL;

CREATE TABLE trace_recalls (
  gtin TEXT NOT NULL,
  lot TEXT NOT NULL,
  recall_id TEXT NOT NULL,
  reason TEXT,
  at INTEGER NOT NULL,
  clock_unsynced INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (gtin, lot)
) WITHOUT ROWID;

CREATE TABLE trace_outbox (
  id INTEGER PRIMARY KEY,
  device TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  ts INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    name: "lots loaded into distribution bundles",
    up: `
ALTER TABLE trace_loads ADD COLUMN bundle_id TEXT;
ALTER TABLE trace_loads ADD COLUMN compartment TEXT;
CREATE INDEX trace_loads_bundle ON trace_loads (bundle_id) WHERE bundle_id IS NOT NULL;
`,
  },
  {
    version: 3,
    name: "candidate lots of lots recorded as run-ons (a dropped group separator)",
    up: `
CREATE TABLE trace_run_ons (
  gtin TEXT NOT NULL,
  lot TEXT NOT NULL,
  candidate TEXT NOT NULL,
  PRIMARY KEY (gtin, lot, candidate)
) WITHOUT ROWID;
CREATE INDEX trace_run_ons_candidate ON trace_run_ons (gtin, candidate);
`,
  },
];

/** Create or upgrade the trace tables (idempotent); index the other verticals' tables it reads. */
export function migrateTrace(db: Database.Database): number {
  const v = migrate(db, TRACE_COMPONENT, TRACE_MIGRATIONS);
  ensureTraceIndexes(db);
  return v;
}

/**
 * Indexes on tables other verticals own, for `trace.lot` (a year of records in under a second):
 * the sales of one slot. Created when the table exists (a site without vending has none); IF NOT
 * EXISTS, so it runs at every start, after the vending extension created its tables.
 */
export function ensureTraceIndexes(db: Database.Database): void {
  const has = (t: string) =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
  if (has("vending_sales"))
    db.exec("CREATE INDEX IF NOT EXISTS trace_vending_sales_slot ON vending_sales (device, slot)");
}
