/**
 * `quarterhour trace lot GTIN LOT [--json]`: where a lot went (slots, vends, parcels, bundles, cold
 * chain), for the operator on site. It reads
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
  const holding = list(t, "holding");
  out.push(holding.length === 0 ? "still held: none" : `still held in ${holding.length} place(s):`);
  for (const h of holding)
    out.push(
      `  still in ${h.device} ${h.slot !== undefined && h.slot !== null ? `slot ${h.slot}` : (h.compartment ?? "")}  ×${h.quantity}`,
    );
  const vends = list(t, "vends");
  out.push(`sold ${vends.length} time(s):`);
  for (const v of vends)
    out.push(
      `  ${v.at}${v.clock ? " (clock unsynced)" : ""}  ${v.device} slot ${v.slot}  ${v.payment} ${v.price}${v.certain ? "" : "  (slot shared with another lot)"}`,
    );
  const parcels = list(t, "parcels");
  out.push(`in ${parcels.length} parcel(s):`);
  for (const p of parcels)
    out.push(
      `  ${p.parcelId}  ${p.device}/${p.compartment}  ${p.state}  ${p.collected ? `collected ${p.collectedAt}` : "not collected"}`,
    );
  const bundles = list(t, "bundles");
  out.push(`in ${bundles.length} bundle(s):`);
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
