/**
 * Where a lot went (`trace.lot`, `trace.recall`'s answer, `quarterhour trace lot`), read from the
 * local records only, so it answers offline and from a database opened read-only:
 *
 *   loads      every scan that put the lot in a slot or a parcel (trace_loads)
 *   vends      the sales of those slots while the lot was in them (vending_sales rows after the
 *              load's rowid, up to the sale that emptied the slot): when, which machine, price,
 *              payment; `certain: false` when another lot shared the slot at that sale
 *   parcels    the parcels it was loaded into: where, state, deposited, collected (and when)
 *   bundles    the distribution bundles it was loaded into (report-bundles.ts): where, state,
 *              loaded, collected (and when); no household (as parcels name no resident)
 *   coldChain  per parcel or bundle in a cold zone: the zone's readings over its stay (count,
 *              min/max, gaps, readings on an unsynchronised clock) and, for a parcel, the breaches
 *              recorded for it
 *
 * Times are ISO 8601 (UTC); a time taken while the wall clock was not synchronised is flagged
 * `clock: "unsynced"` (its order is right, its date may not be).
 */
import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import { qualityOf, TemperatureRecord } from "../cold/record.js";
import { FLAG_CLOCK_UNSYNCED } from "../cold/record-codec.js";
import { bundlesOf } from "./report-bundles.js";

/** A cold zone as the report needs it: which compartments ("device/compartment") it holds. */
export interface ZoneLayout {
  id: string;
  compartments: readonly string[];
}

interface LoadRow {
  id: number;
  gtin: string;
  lot: string;
  expiry: string | null;
  quantity: number;
  kind: string;
  device: string;
  slot: number | null;
  parcel_id: string | null;
  bundle_id?: string | null;
  compartment?: string | null;
  sales_from: number | null;
  sales_to: number | null;
  loaded_at: number;
  clock_unsynced: number;
  ended_at: number | null;
  expired_at: number | null;
  by: string | null;
}

const iso = (t: number | null | undefined): string | null =>
  t === null || t === undefined ? null : new Date(t).toISOString();

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * What a lot's slots hold of it now: per slot, the quantity recorded at its loads (the label's
 * count (37), or the units restocked) capped by the units the slot holds now (`vending_slots.count`,
 * after the sales and counts since): a slot can never hold more of a lot than it holds at all.
 * Without the vending tables the recorded quantity stands.
 */
export function heldNow<T extends { device: string; slot: number | null; quantity: number }>(
  db: Database.Database,
  rows: readonly T[],
): T[] {
  if (!hasTable(db, "vending_slots")) return [...rows];
  const count = db.prepare("SELECT count FROM vending_slots WHERE device = ? AND slot = ?").pluck();
  return rows.map((r) => {
    const now = count.get(r.device, r.slot) as number | undefined;
    return now === undefined ? r : { ...r, quantity: Math.min(r.quantity, now) };
  });
}

/**
 * The trace of one lot. `zones`: the site's cold zones (config cold.zones), for the readings;
 * `now` ends the stay of a parcel still inside.
 */
export async function traceLot(
  db: Database.Database,
  gtin: string,
  lot: string,
  o: { zones?: readonly ZoneLayout[]; now: number },
): Promise<JsonObject> {
  const loads = hasTable(db, "trace_loads")
    ? (db
        .prepare("SELECT * FROM trace_loads WHERE gtin = ? AND lot = ? ORDER BY id")
        .all(gtin, lot) as LoadRow[])
    : [];
  const recall = hasTable(db, "trace_recalls")
    ? (db
        .prepare("SELECT recall_id, at, reason FROM trace_recalls WHERE gtin = ? AND lot = ?")
        .get(gtin, lot) as { recall_id: string; at: number; reason: string | null } | undefined)
    : undefined;
  const slotLoads = loads.filter((l) => l.kind === "slot");
  const parcelLoads = loads.filter((l) => l.kind === "parcel");
  const bundleIds = [...new Set(loads.filter((l) => l.kind === "bundle").map((l) => l.bundle_id as string))];
  return {
    gtin,
    lot,
    expiry: loads.find((l) => l.expiry !== null)?.expiry ?? null,
    recalled: recall ? { recallId: recall.recall_id, at: iso(recall.at), reason: recall.reason } : null,
    loads: loads.map((l) => ({
      kind: l.kind,
      device: l.device,
      ...(l.slot !== null ? { slot: l.slot } : {}),
      ...(l.parcel_id !== null ? { parcelId: l.parcel_id } : {}),
      ...(l.bundle_id ? { bundleId: l.bundle_id } : {}),
      ...(l.compartment ? { compartment: l.compartment } : {}),
      quantity: l.quantity,
      loadedAt: iso(l.loaded_at),
      ...(l.clock_unsynced ? { clock: "unsynced" } : {}),
      endedAt: iso(l.ended_at),
      expiredAt: iso(l.expired_at),
      by: l.by,
    })),
    holding: heldNow(
      db,
      slotLoads
        .filter((l) => l.ended_at === null)
        .map((l) => ({ device: l.device, slot: l.slot, quantity: l.quantity })),
    ),
    vends: vendsOf(db, slotLoads),
    ...(await merged(
      parcelsOf(db, parcelLoads, o),
      bundlesOf(db, bundleIds, o, (z, from, to) => zoneStats(record(db), z, from, to)),
    )),
  };
}

/** The parcels' and the bundles' lists, their cold chains one list (parcels first). */
async function merged(
  parcels: Promise<{ parcels: JsonObject[]; coldChain: JsonObject[] }>,
  bundles: Promise<{ bundles: JsonObject[]; coldChain: JsonObject[] }>,
): Promise<JsonObject> {
  const p = await parcels;
  const b = await bundles;
  return { parcels: p.parcels, bundles: b.bundles, coldChain: [...p.coldChain, ...b.coldChain] };
}

function record(db: Database.Database): TemperatureRecord | undefined {
  return hasTable(db, "cold_blocks") ? new TemperatureRecord(db, { readonly: true }) : undefined;
}

/** The sales of the slots while the lot was in them, each once, in recording order. */
function vendsOf(db: Database.Database, slotLoads: LoadRow[]): JsonObject[] {
  if (slotLoads.length === 0 || !hasTable(db, "vending_sales")) return [];
  const sales = db.prepare(
    `SELECT rowid AS r, id, device, slot, price, payment, ts, clock_unsynced FROM vending_sales
     WHERE device = ? AND slot = ? AND rowid > ? AND rowid <= ? ORDER BY rowid`,
  );
  const others = db.prepare(
    `SELECT gtin, lot, sales_from, sales_to FROM trace_loads WHERE kind = 'slot' AND device = ? AND slot = ?`,
  );
  const out = new Map<string, JsonObject>();
  for (const l of slotLoads) {
    const from = l.sales_from ?? 0;
    const to = l.sales_to ?? Number.MAX_SAFE_INTEGER;
    const shared = (
      others.all(l.device, l.slot) as {
        gtin: string;
        lot: string;
        sales_from: number | null;
        sales_to: number | null;
      }[]
    ).filter((x) => !(x.gtin === l.gtin && x.lot === l.lot));
    for (const s of sales.all(l.device, l.slot, from, to) as {
      r: number;
      id: string;
      device: string;
      slot: number;
      price: number;
      payment: string;
      ts: number;
      clock_unsynced: number;
    }[]) {
      if (out.has(s.id)) continue;
      const certain = !shared.some(
        (x) => s.r > (x.sales_from ?? 0) && s.r <= (x.sales_to ?? Number.MAX_SAFE_INTEGER),
      );
      out.set(s.id, {
        saleId: s.id,
        device: s.device,
        slot: s.slot,
        at: iso(s.ts),
        ...(s.clock_unsynced ? { clock: "unsynced" } : {}),
        price: s.price,
        payment: s.payment,
        certain,
      });
    }
  }
  return [...out.values()];
}

/** The readings of a zone from `from` to `to` (ms, both included): count, gaps, unsynced, min/max °C. */
export async function zoneStats(
  record: TemperatureRecord | undefined,
  zone: string,
  from: number,
  to: number,
): Promise<{ readings: number; gaps: number; unsynced: number; minC: number | null; maxC: number | null }> {
  const stats = {
    readings: 0,
    gaps: 0,
    unsynced: 0,
    minC: null as number | null,
    maxC: null as number | null,
  };
  if (record)
    await record.forEachRaw(zone, from, to + 1, (_seq, _ts, v, flags) => {
      stats.readings++;
      if (flags & FLAG_CLOCK_UNSYNCED) stats.unsynced++;
      if (v === null || qualityOf(flags) !== "ok") {
        stats.gaps++;
        return;
      }
      const c = v / 10;
      stats.minC = stats.minC === null ? c : Math.min(stats.minC, c);
      stats.maxC = stats.maxC === null ? c : Math.max(stats.maxC, c);
    });
  return stats;
}

/** The parcels the lot was loaded into, and the cold chain of the zones they were kept in. */
async function parcelsOf(
  db: Database.Database,
  parcelLoads: LoadRow[],
  o: { zones?: readonly ZoneLayout[]; now: number },
): Promise<{ parcels: JsonObject[]; coldChain: JsonObject[] }> {
  if (parcelLoads.length === 0 || !hasTable(db, "locker_parcels")) return { parcels: [], coldChain: [] };
  const get = db.prepare(
    "SELECT id, device, compartment, state, deposited_at, closed_at, end_reason FROM locker_parcels WHERE id = ?",
  );
  const zoneOf = new Map<string, string>();
  for (const z of o.zones ?? []) for (const c of z.compartments) zoneOf.set(c, z.id);
  const record = hasTable(db, "cold_blocks") ? new TemperatureRecord(db, { readonly: true }) : undefined;
  const breaches = hasTable(db, "cold_breaches")
    ? db.prepare(
        "SELECT alarm_id, zone, start_at, end_at, peak_c, minutes FROM cold_breaches WHERE parcel_id = ? ORDER BY start_at",
      )
    : undefined;
  const parcels: JsonObject[] = [];
  const coldChain: JsonObject[] = [];
  const seen = new Set<string>();
  for (const l of parcelLoads) {
    const id = l.parcel_id!;
    if (seen.has(id)) continue;
    seen.add(id);
    const p = get.get(id) as
      | {
          id: string;
          device: string | null;
          compartment: string | null;
          state: string;
          deposited_at: number | null;
          closed_at: number | null;
          end_reason: string | null;
        }
      | undefined;
    if (!p) {
      parcels.push({ parcelId: id, device: l.device, state: "unknown", collected: false });
      continue;
    }
    const collected = p.state === "picked_up";
    parcels.push({
      parcelId: p.id,
      device: p.device,
      compartment: p.compartment,
      state: p.state,
      depositedAt: iso(p.deposited_at),
      collected,
      collectedAt: collected ? iso(p.closed_at) : null,
      ...(p.end_reason ? { endReason: p.end_reason } : {}),
    });
    const zone = p.device && p.compartment ? zoneOf.get(`${p.device}/${p.compartment}`) : undefined;
    if (!zone || p.deposited_at === null) continue;
    const from = p.deposited_at;
    const to = p.closed_at ?? o.now;
    const stats = await zoneStats(record, zone, from, to);
    coldChain.push({
      parcelId: p.id,
      zone,
      device: p.device,
      compartment: p.compartment,
      from: iso(from),
      to: iso(to),
      ...stats,
      breaches: (breaches?.all(p.id) ?? []).map((b) => {
        const r = b as {
          alarm_id: string;
          zone: string;
          start_at: number;
          end_at: number;
          peak_c: number | null;
          minutes: number;
        };
        return {
          alarmId: r.alarm_id,
          excursionStart: iso(r.start_at),
          excursionEnd: iso(r.end_at),
          peakC: r.peak_c,
          minutesOutOfRange: r.minutes,
        };
      }),
    });
  }
  return { parcels, coldChain };
}
