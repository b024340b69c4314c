/**
 * Which parcels are in a set of compartments: the cold chain asks the locker's parcel table (the
 * same database) at every reading of a zone during an excursion. Read-only; the locker owns the
 * table (src/domain/locker/schema.ts). When the locker's tables do not exist (a site with cold
 * zones but no parcel locker) nothing is found.
 */
import type Database from "better-sqlite3";
import type { CompartmentRef } from "../locker/ports.js";

export interface ParcelInZone {
  parcelId: string;
  device: string;
  compartment: string;
}

export interface ParcelLocator {
  /**
   * Parcels deposited (deposited_at set) in one of `compartments` and still there at wall time
   * `sinceMs` or later (not closed, or closed at or after it): every parcel that was inside at any
   * moment from `sinceMs` to now.
   */
  presentSince(compartments: readonly CompartmentRef[], sinceMs: number): ParcelInZone[];
}

/** The locator over the locker's `locker_parcels` table. */
export function lockerParcelLocator(db: Database.Database): ParcelLocator {
  let stmt: Database.Statement | undefined;
  return {
    presentSince(compartments, sinceMs) {
      if (compartments.length === 0) return [];
      if (!stmt) {
        const exists = db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'locker_parcels'")
          .get();
        if (!exists) return [];
        stmt = db.prepare(
          `SELECT id AS parcelId, device, compartment FROM locker_parcels
           WHERE device = ? AND compartment = ? AND deposited_at IS NOT NULL
             AND (closed_at IS NULL OR closed_at >= ?)`,
        );
      }
      const out: ParcelInZone[] = [];
      for (const c of compartments)
        out.push(...(stmt.all(c.device, c.compartment, Math.floor(sinceMs)) as ParcelInZone[]));
      return out;
    },
  };
}
