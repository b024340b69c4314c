/**
 * The stock and audit tables (component "vending-audit" in schema_version; src/store/migrate.ts):
 *
 * `vending_slots`: one row per machine slot. `slot` is the MDB item number; `dex_product` the
 * slot's product number in the machine's DEX file; money in minor units; `count` never negative
 * and never above `capacity`; `retired` = 1 when the config no longer lists the slot (kept for
 * the audit's history).
 *
 * `vending_audits`: one row per DEX audit read from a machine: the file as received (`content`),
 * its sha256 and verdict, `sales_rowid` (the last `vending_sales` rowid counted: the next audit
 * reconciles the rows after it, whatever the wall clock did), the machine's counters since
 * initialisation per DEX product (`counters`, JSON, the baseline of the next audit) and the
 * `audit.dex` data it produced (`result`, JSON).
 */
import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";

export const STOCK_COMPONENT = "vending-audit";

export const STOCK_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "vending slots (planogram and stock) and DEX audits",
    up: `
CREATE TABLE vending_slots (
  device TEXT NOT NULL,
  slot INTEGER NOT NULL,
  product TEXT NOT NULL,
  name TEXT,
  dex_product TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  capacity INTEGER NOT NULL CHECK (capacity >= 0),
  count INTEGER NOT NULL CHECK (count >= 0),
  low_at INTEGER NOT NULL,
  retired INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (device, slot)
) WITHOUT ROWID;

CREATE TABLE vending_audits (
  id TEXT PRIMARY KEY,
  device TEXT NOT NULL,
  ts INTEGER NOT NULL,
  content BLOB NOT NULL,
  sha256 TEXT NOT NULL,
  verdict TEXT NOT NULL,
  sales_rowid INTEGER NOT NULL,
  counters TEXT,
  result TEXT NOT NULL,
  clock_unsynced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vending_audits_device ON vending_audits (device, ts);
`,
  },
];

/** Create or upgrade the stock and audit tables (idempotent). */
export function migrateStock(db: Database.Database): number {
  return migrate(db, STOCK_COMPONENT, STOCK_MIGRATIONS);
}
