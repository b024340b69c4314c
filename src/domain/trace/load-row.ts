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
}

/** Insert one load (inside the caller's transaction). */
export function insertLoad(db: Database.Database, r: LoadRow): void {
  db.prepare(
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
}
