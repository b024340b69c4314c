/**
 * Run-on lots at a lot scan (a scanner that dropped the group separator, gs1.ts `runOns`):
 * what is refused (a recalled candidate, a swallowed date past, by default any run-on in a scan
 * without GS) and which candidate lots a recorded one keeps (`trace_run_ons`, load-row.ts).
 * Errors: QH_TRACE_LOT_RECALLED, QH_TRACE_LOT_EXPIRED, QH_GS1_SEPARATOR.
 */
import { QhError } from "../../core/errors.js";
import { GS, type Gs1RunOn, type Gs1Scan, printable } from "./gs1.js";
import type { TraceLots, TraceLotsOptions } from "./lots.js";

/**
 * A (10)/(21) value that may have swallowed the next elements because the scanner dropped the
 * group separator (gs1.ts `runOns`: every split where the rest reads as valid AIs, e.g.
 * `MILK010521SN42` = MILK0105 + (21) SN42): a lot recorded so would escape every later recall
 * and expiry check of the real lot. So, whatever the config: a candidate lot recalled for the
 * GTIN → QH_TRACE_LOT_RECALLED; a swallowed (17)/(15) past (with none of its own in the scan)
 * → QH_TRACE_LOT_EXPIRED. Otherwise, when the scan carries no group separator at all (so
 * nothing shows the scanner sends them) and `runOnLots` is not "record": QH_GS1_SEPARATOR.
 * Returns the candidate lots of a (10) that is recorded anyway (recalls match them later).
 */
export function checkRunOns(
  g: Gs1Scan,
  code: string,
  lots: Pick<TraceLots, "recallExactly" | "isExpired" | "today">,
  o: Pick<TraceLotsOptions, "separator" | "runOnLots">,
): string[] {
  const gtin = g.gtin as string;
  const own = earliest(g.expiry, g.bestBefore);
  for (const r of g.runOns) {
    const recall = r.ai === "10" ? lots.recallExactly(gtin, r.prefix) : undefined;
    if (recall)
      throw new QhError(
        "QH_TRACE_LOT_RECALLED",
        `lot ${r.value} of ${gtin} reads as the recalled lot ${r.prefix} (${recall.recall_id}) with ${swallowed(r)} run on: a dropped group separator?`,
        { gtin, lot: r.prefix, scannedLot: r.value, recallId: recall.recall_id },
      );
    const limit = earliest(r.expiry, r.bestBefore);
    if (limit !== undefined && own === undefined && lots.isExpired(limit))
      throw new QhError(
        "QH_TRACE_LOT_EXPIRED",
        `lot ${r.value} of ${gtin} reads as lot ${r.prefix} expired on ${limit} (today is ${lots.today()}): a dropped group separator?`,
        { gtin, lot: r.prefix, scannedLot: r.value, expiry: limit, today: lots.today() },
      );
  }
  const sendsGs = code.includes(GS) || (o.separator !== undefined && code.includes(o.separator));
  const r = g.runOns[0];
  if (r && !sendsGs && o.runOnLots !== "record") {
    const all = g.runOns.filter((x) => x.ai === r.ai).map((x) => x.prefix);
    throw new QhError(
      "QH_GS1_SEPARATOR",
      `(${r.ai}) ${JSON.stringify(r.value)} ends like ${swallowed(r)} and the scan has no group separator: the scanner probably dropped it (the value would be ${all.map((x) => JSON.stringify(x)).join(" or ")}); make the scanner send GS (ASCII 29) and scan again; if this site's lots really end so, set trace.gs1.runOnLots: record`,
      { ai: r.ai, value: r.value, prefix: r.prefix, candidates: all, code: printable(code) },
    );
  }
  return g.runOns.filter((x) => x.ai === "10").map((x) => x.prefix);
}

/** The earlier of two YYYY-MM-DD dates (either may be absent). */
export function earliest(a?: string, b?: string): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

function swallowed(r: Gs1RunOn): string {
  return r.swallowed.map((x) => `(${x.ai}) ${x.raw}`).join(" ");
}
