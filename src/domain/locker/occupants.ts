/**
 * What a locker bank's compartments hold, read from the store: active parcels (deliveries and
 * reservations, ACTIVE_PARCEL_STATES) and another vertical's holds (a distribution round's bundle,
 * holds.ts). Two readers:
 *  - the provisioning API refuses a bank's model or address change, or its removal, while a
 *    compartment that would disappear or move holds something (409 QH_DEVICE_HOLDS_PARCELS);
 *  - at start, a compartment the config no longer has (retired by CompartmentStore.sync) that still
 *    holds something is "stranded": /health carries a problem naming it (docs/locker.md).
 */
import type Database from "better-sqlite3";
import { ACTIVE_SQL } from "./schema.js";

/** One compartment's contents. `parcels`: active parcel ids; `holds`: "owner:item" of a hold. */
export interface Occupant {
  device: string;
  compartment: string;
  parcels: { id: string; state: string; kind: string }[];
  holds: { owner: string; item: string }[];
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function collect(
  parcels: { device: string; compartment: string; id: string; state: string; kind: string }[],
  holds: { device: string; compartment: string; owner: string; item: string }[],
): Occupant[] {
  const by = new Map<string, Occupant>();
  const at = (device: string, compartment: string) => {
    const k = `${device}/${compartment}`;
    const o = by.get(k) ?? { device, compartment, parcels: [], holds: [] };
    by.set(k, o);
    return o;
  };
  for (const p of parcels)
    at(p.device, p.compartment).parcels.push({ id: p.id, state: p.state, kind: p.kind });
  for (const h of holds) at(h.device, h.compartment).holds.push({ owner: h.owner, item: h.item });
  return [...by.values()].sort((a, b) =>
    a.device === b.device ? a.compartment.localeCompare(b.compartment) : a.device.localeCompare(b.device),
  );
}

/** Compartments of `device` that hold an active parcel or a hold (empty: none, or no locker tables). */
export function occupants(db: Database.Database, device: string): Occupant[] {
  const parcels = hasTable(db, "locker_parcels")
    ? (db
        .prepare(
          `SELECT device, compartment, id, state, kind FROM locker_parcels
           WHERE device = ? AND compartment IS NOT NULL AND state IN ${ACTIVE_SQL} ORDER BY id`,
        )
        .all(device) as Parameters<typeof collect>[0])
    : [];
  const holds = hasTable(db, "locker_holds")
    ? (db
        .prepare("SELECT device, compartment, owner, item FROM locker_holds WHERE device = ?")
        .all(device) as Parameters<typeof collect>[1])
    : [];
  return collect(parcels, holds);
}

/**
 * Active parcels and holds in compartments the running layout does not have (retired at start, or
 * never known): nothing can open their door from the gateway until the config has it again.
 */
export function stranded(db: Database.Database): Occupant[] {
  const known = `NOT EXISTS (SELECT 1 FROM locker_compartments c
                 WHERE c.device = x.device AND c.compartment = x.compartment AND c.retired = 0)`;
  const parcels = db
    .prepare(
      `SELECT device, compartment, id, state, kind FROM locker_parcels x
       WHERE device IS NOT NULL AND compartment IS NOT NULL AND state IN ${ACTIVE_SQL} AND ${known}`,
    )
    .all() as Parameters<typeof collect>[0];
  const holds = hasTable(db, "locker_holds")
    ? (db
        .prepare(`SELECT device, compartment, owner, item FROM locker_holds x WHERE ${known}`)
        .all() as Parameters<typeof collect>[1])
    : [];
  return collect(parcels, holds);
}

/** One /health problem line per stranded compartment, saying what to do. */
export function strandedProblems(list: readonly Occupant[]): string[] {
  return list.map((o) => {
    const what = [
      ...o.parcels.map((p) => `parcel ${p.id} (${p.state})`),
      ...o.holds.map((h) => `${h.owner} item ${h.item}`),
    ].join(", ");
    return (
      `locker: ${what} in ${o.device}/${o.compartment}, a compartment the config no longer has: ` +
      `its door cannot be opened from here. Put the bank's previous model/address back (the config's .prev file) ` +
      `and restart, then collect or retrieve it; or open the door by hand and retrieve it`
    );
  });
}
