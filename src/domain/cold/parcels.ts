/**
 * Which parcels are in a set of compartments: the cold chain asks the locker's parcel table (the
 * same database) at every reading of a zone during an excursion. Read-only; the locker owns the
 * table (src/domain/locker/schema.ts). When the locker's tables do not exist (a site with cold
 * zones but no parcel locker) nothing is found.
 */
import type Database from "better-sqlite3";
import type { CompartmentRef } from "../locker/ports.js";

export interface ParcelInZone {
  /** the parcel's id, or a held item's (a distribution bundle's id when `kind` is "bundle") */
  parcelId: string;
  device: string;
  compartment: string;
  /** "bundle": a distribution bundle in a compartment the locker lends (locker_holds); else a parcel */
  kind?: "bundle";
  /** the bundle's round (bundles only) */
  roundId?: string;
}

export interface ParcelLocator {
  /**
   * Parcels deposited (deposited_at set) in one of `compartments` and still there at wall time
   * `sinceMs` or later (not closed, or closed at or after it): every parcel that was inside at any
   * moment from `sinceMs` to now.
   */
  presentSince(compartments: readonly CompartmentRef[], sinceMs: number): ParcelInZone[];
}

/**
 * The locator over the locker's `locker_parcels` table and, when the distribution vertical runs,
 * the bundles it keeps in held compartments (`distribution_bundles`, issue 11): a bundle loaded
 * (loaded_at set) into one of the compartments and not collected before `sinceMs` (a bundle taken
 * back out as unclaimed loses its compartment, device NULL). Bundles come with `kind: "bundle"`.
 */
export function lockerParcelLocator(db: Database.Database): ParcelLocator {
  let stmt: Database.Statement | undefined;
  let bundles: Database.Statement | undefined;
  const exists = (table: string) =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  return {
    presentSince(compartments, sinceMs) {
      if (compartments.length === 0) return [];
      if (!stmt && exists("locker_parcels"))
        stmt = db.prepare(
          `SELECT id AS parcelId, device, compartment FROM locker_parcels
           WHERE device = ? AND compartment = ? AND deposited_at IS NOT NULL
             AND (closed_at IS NULL OR closed_at >= ?)`,
        );
      if (!bundles && exists("distribution_bundles"))
        bundles = db.prepare(
          `SELECT bundle_id AS parcelId, device, compartment, round_id AS roundId, 'bundle' AS kind
           FROM distribution_bundles
           WHERE device = ? AND compartment = ? AND loaded_at IS NOT NULL
             AND (collected_at IS NULL OR collected_at >= ?)`,
        );
      const out: ParcelInZone[] = [];
      const since = Math.floor(sinceMs);
      for (const c of compartments) {
        if (stmt) out.push(...(stmt.all(c.device, c.compartment, since) as ParcelInZone[]));
        if (bundles) out.push(...(bundles.all(c.device, c.compartment, since) as ParcelInZone[]));
      }
      return out;
    },
  };
}
