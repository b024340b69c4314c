/**
 * One row of `trace_loads` (src/domain/trace/schema.ts): a lot put into a vending slot, a parcel
 * or a distribution bundle. Every writer (restock by scan, a parcel's lot scan, a bundle's lot
 * scan or the lots `distribution.load` names) goes through `insertLoad`, so the columns are
 * named once.
 */
import type Database from "better-sqlite3";

/** What a load records; absent fields are NULL. Times in epoch ms (the wall clock). */
export interface LoadRow {
  gtin: string;
  lot: string;
  expiry?: string | null;
  serial?: string | null;
  quantity: number;
  kind: "slot" | "parcel" | "bundle";
  device: string;
  slot?: number;
  compartment?: string;
  parcelId?: string;
  bundleId?: string;
  /** the sales rowid the slot's load starts after (kind slot) */
  salesFrom?: number | null;
  loadedAt: number;
  /** true when `loadedAt` was read while the wall clock was not synced */
  clockUnsynced: boolean;
  by?: string | null;
  /** the scan as received, control characters shown */
  code?: string | null;
  /** a run-on lot's candidate lots (ScannedLot.candidates): kept in trace_run_ons */
  candidates?: readonly string[];
}

/**
 * SQL: the candidate lots of the load aliased `l` (a subquery for `r.lot IN (…)`): a recall of
 * any of them matches the load as a recall of its own lot does.
 */
export const RUN_ON_CANDIDATES =
  "SELECT o.candidate FROM trace_run_ons o WHERE o.gtin = l.gtin AND o.lot = l.lot";

/**
 * SQL: the lot column `col` is `?` or a lot recorded as a run-on with `?` among its candidates
 * (params, in order: lot, gtin, lot).
 */
export function lotOrRunOn(col: string): string {
  // one IN list (not `= ? OR IN (…)`), so SQLite searches the (gtin, lot) index for each lot
  return `${col} IN (SELECT ? UNION ALL SELECT o.lot FROM trace_run_ons o WHERE o.gtin = ? AND o.candidate = ?)`;
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * `sql` prepared once per connection (preparing an INSERT into trace_loads costs more than running
 * it: a load of thousands of lots ran mostly in `prepare`). For statements run without `pluck`,
 * `raw` or `expand` (a cached statement keeps those modes).
 */
export function cachedStatement(db: Database.Database, sql: string): Database.Statement {
  let byDb = statements.get(db);
  if (!byDb) {
    byDb = new Map();
    statements.set(db, byDb);
  }
  let s = byDb.get(sql);
  if (!s) {
    s = db.prepare(sql);
    byDb.set(sql, s);
  }
  return s;
}

/** Insert one load (inside the caller's transaction). */
export function insertLoad(db: Database.Database, r: LoadRow): void {
  cachedStatement(
    db,
    `INSERT INTO trace_loads (gtin, lot, expiry, serial, quantity, kind, device, slot, compartment, parcel_id, bundle_id, sales_from, loaded_at, clock_unsynced, by, code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    r.gtin,
    r.lot,
    r.expiry ?? null,
    r.serial ?? null,
    r.quantity,
    r.kind,
    r.device,
    r.slot ?? null,
    r.compartment ?? null,
    r.parcelId ?? null,
    r.bundleId ?? null,
    r.salesFrom ?? null,
    r.loadedAt,
    r.clockUnsynced ? 1 : 0,
    r.by ?? null,
    r.code ?? null,
  );
  if (r.candidates && r.candidates.length > 0) {
    const add = cachedStatement(
      db,
      "INSERT OR IGNORE INTO trace_run_ons (gtin, lot, candidate) VALUES (?, ?, ?)",
    );
    for (const c of r.candidates) add.run(r.gtin, r.lot, c);
  }
}
