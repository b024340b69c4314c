/**
 * `quarterhour trace lot GTIN LOT [--json]`: where a lot went (slots, vends, parcels, bundles, cold
 * chain), for the operator on site; the text begins with where it is still held (slots, parcels
 * and bundles). It reads
 * the store directly, opened read-only (as `cold export` and `store check` do): it answers with the
 * gateway stopped (the box offline, the gateway broken, during a recall) and beside a running one
 * (WAL readers do not block it); it never creates, migrates or writes a store. The same answer as
 * the platform's `trace.lot` (src/domain/trace/report.ts).
 *
 * Exit: 0 answered (also for a lot never seen here: nothing loaded, said so); 2 a GTIN or lot that
 * cannot be one (QH_TRACE_INPUT_INVALID); 3 no database in the data dir (QH_STORE_MISSING).
 */
import { existsSync } from "node:fs";
import type { JsonObject } from "../core/envelope.js";
import { QhError } from "../core/errors.js";
import { BUNDLE_INSIDE } from "../domain/trace/bundles.js";
import { PARCEL_IN_LOCKER } from "../domain/trace/lots.js";
import { traceLot } from "../domain/trace/report.js";
import { checkLotInput } from "../domain/trace/service.js";
import { dbFile, openDatabase } from "../store/db.js";
import { type GatewayOpts, readConfig } from "./common.js";

export async function traceLotCli(
  gtin: string,
  lot: string,
  o: GatewayOpts & { json?: boolean },
): Promise<void> {
  const input = checkLotInput(gtin, lot);
  const config = readConfig(o);
  const file = dbFile(config.dataDir);
  if (!existsSync(file))
    throw new QhError("QH_STORE_MISSING", `there is no database at ${file}: check --data-dir (or dataDir)`, {
      file,
    });
  const db = openDatabase({ dataDir: config.dataDir, readonly: true });
  let t: JsonObject;
  try {
    t = await traceLot(db, input.gtin, input.lot, {
      zones: config.cold.zones.map((z) => ({ id: z.id, compartments: z.compartments })),
      now: Date.now(),
    });
  } finally {
    db.close();
  }
  process.stdout.write(o.json ? `${JSON.stringify(t, null, 2)}\n` : formatTrace(t));
}

type Row = Record<string, unknown>;

/**
 * Where the lot still is at this site, one `  still …` line per place (what to take out during a
 * recall): the vending slots holding it (`holding`, with the quantity), the parcels holding it
 * still in a locker (states of PARCEL_IN_LOCKER), and the bundles holding it neither collected
 * nor retrieved: in a compartment (states of BUNDLE_INSIDE) or not in one yet (pending, waiting,
 * unclaimed: on site, not loaded). The report's `holding` stays the vending slots only (the
 * platform's contract); this summary reads its `parcels` and `bundles` too.
 */
function stillHeld(t: JsonObject): string[] {
  const out: string[] = [];
  for (const h of list(t, "holding"))
    out.push(
      `  still in ${h.device} ${h.slot !== undefined && h.slot !== null ? `slot ${h.slot}` : (h.compartment ?? "")}  ×${h.quantity}`,
    );
  for (const p of list(t, "parcels"))
    if (PARCEL_IN_LOCKER.includes(String(p.state)))
      out.push(`  still in ${p.device}/${p.compartment}  parcel ${p.parcelId} (${p.state})`);
  for (const b of list(t, "bundles")) {
    if (b.collected || b.retrieved || b.state === "collected" || b.state === "retrieved") continue;
    out.push(
      BUNDLE_INSIDE.includes(String(b.state)) && b.device && b.compartment
        ? `  still in ${b.device}/${b.compartment}  bundle ${b.bundleId} (${b.state})`
        : `  still in no locker  bundle ${b.bundleId} of round ${b.roundId ?? "?"} (${b.state})`,
    );
  }
  return out;
}
const list = (t: JsonObject, k: string) => (t[k] as Row[] | undefined) ?? [];

/** The trace as text: one section per question, one line per item. */
export function formatTrace(t: JsonObject): string {
  const out: string[] = [];
  const r = t.recalled as Row | null;
  out.push(`lot ${t.lot} of GTIN ${t.gtin}${t.expiry ? `, expiry ${t.expiry}` : ""}`);
  out.push(r ? `RECALLED ${r.at} (${r.recallId}${r.reason ? `: ${r.reason}` : ""})` : "not recalled");
  const loads = list(t, "loads");
  if (loads.length === 0) {
    out.push("never loaded at this site");
    return `${out.join("\n")}\n`;
  }
  out.push(`loaded ${loads.length} time(s):`);
  for (const l of loads)
    out.push(
      `  ${l.loadedAt}${l.clock ? " (clock unsynced)" : ""}  ${l.device} ${l.kind === "slot" ? `slot ${l.slot}` : l.kind === "bundle" ? `bundle ${l.bundleId}${l.compartment ? ` (${l.compartment})` : ""}` : `parcel ${l.parcelId}`}  ×${l.quantity}${l.endedAt ? `  gone ${l.endedAt}` : ""}${l.expiredAt ? "  EXPIRED" : ""}`,
    );
  const held = stillHeld(t);
  out.push(held.length === 0 ? "still held: none" : `still held in ${held.length} place(s):`);
  out.push(...held);
  const vends = list(t, "vends");
  out.push(vends.length === 0 ? "sold: none" : `sold ${vends.length} time(s):`);
  for (const v of vends)
    out.push(
      `  ${v.at}${v.clock ? " (clock unsynced)" : ""}  ${v.device} slot ${v.slot}  ${v.payment} ${v.price}${v.certain ? "" : "  (slot shared with another lot)"}`,
    );
  const parcels = list(t, "parcels");
  out.push(parcels.length === 0 ? "in parcels: none" : `in ${parcels.length} parcel(s):`);
  for (const p of parcels)
    out.push(
      `  ${p.parcelId}  ${p.device}/${p.compartment}  ${p.state}  ${p.collected ? `collected ${p.collectedAt}` : "not collected"}`,
    );
  const bundles = list(t, "bundles");
  out.push(bundles.length === 0 ? "in bundles: none" : `in ${bundles.length} bundle(s):`);
  for (const b of bundles)
    out.push(
      `  ${b.bundleId}  round ${b.roundId ?? "?"}  ${b.device ?? "-"}/${b.compartment ?? "-"}  ${b.state}  ${b.collected ? `collected ${b.collectedAt}` : b.retrieved ? `retrieved ${b.retrievedAt} (${b.retrieveReason})` : "not collected"}`,
    );
  for (const c of list(t, "coldChain")) {
    const breaches = (c.breaches as Row[]) ?? [];
    out.push(
      `cold zone ${c.zone} for ${c.parcelId ?? `bundle ${c.bundleId}`}: ${c.readings} reading(s) ${c.from} to ${c.to}, ${c.minC ?? "–"} to ${c.maxC ?? "–"} °C, ${c.gaps} gap(s), ${breaches.length} breach(es)`,
    );
    for (const b of breaches)
      out.push(
        `  breach ${b.excursionStart} to ${b.excursionEnd}, peak ${b.peakC} °C, ${b.minutesOutOfRange} min`,
      );
  }
  return `${out.join("\n")}\n`;
}
