/**
 * Restock by scan (docs/traceability.md): the lots a restock's entries carry, checked before
 * anything is written and recorded inside the restock's transaction (the trace extension's
 * SlotLots), so a refused scan restocks nothing and a recorded lot never lacks its count.
 *
 * Quantity of a lot loaded: the entry's `quantity`, else the code's (37)/(30) count, else the items
 * the restock adds (count after − before; with `replace`, the count after). A scan that adds no
 * item is refused (QH_PLANOGRAM_INPUT_INVALID): the lot would be recorded in a slot it is not in.
 */
import type { JsonObject } from "../../core/envelope.js";
import { isQhError, QhError } from "../../core/errors.js";
import type { RestockEntry, SlotLots, StockTx } from "./planogram.js";

export interface PlannedLot {
  slot: number;
  lot: ReturnType<SlotLots["scan"]> & { code: string; warnings: string[] };
  quantity: number;
  replace: boolean;
}

/**
 * Read every scan of the restock. `before`: each slot's count now; `after`: the counts wanted.
 * @throws the scan's own code (QH_GS1_…, QH_TRACE_LOT_RECALLED, QH_TRACE_LOT_EXPIRED) with the slot
 *   in the message; QH_PLANOGRAM_INPUT_INVALID (no lots at this site, no item added)
 */
export function planLots(
  lots: SlotLots | undefined,
  device: string,
  entries: readonly RestockEntry[],
  before: (slot: number) => number,
  after: ReadonlyMap<number, number>,
): PlannedLot[] {
  const out: PlannedLot[] = [];
  for (const e of entries) {
    if (e.scan === undefined) {
      if (e.replace === true || e.quantity !== undefined)
        throw new QhError(
          "QH_PLANOGRAM_INPUT_INVALID",
          `slot ${e.slot}: replace and quantity go with a scan`,
        );
      continue;
    }
    if (!lots)
      throw new QhError(
        "QH_PLANOGRAM_INPUT_INVALID",
        `slot ${e.slot}: this site records no lots (no trace part)`,
      );
    let lot: PlannedLot["lot"];
    try {
      lot = lots.scan(e.scan) as PlannedLot["lot"];
    } catch (err) {
      if (isQhError(err))
        throw new QhError(err.code, `${device} slot ${e.slot}: ${err.message}`, err.details);
      throw err;
    }
    const count = after.get(e.slot) ?? 0;
    const added = e.replace ? count : count - before(e.slot);
    const quantity = e.quantity ?? lot.count ?? added;
    if (!Number.isInteger(quantity) || quantity < 1 || added < 1)
      throw new QhError(
        "QH_PLANOGRAM_INPUT_INVALID",
        `slot ${e.slot}: a restock by scan must add items (count ${count}, before ${before(e.slot)}${e.replace ? ", replace" : ""}): ${
          e.replace
            ? "give the count now in the slot (at least 1)"
            : "count is the slot's new total, above what it holds; a slot emptied and refilled with new packs: send replace: true with the new count"
        }`,
      );
    out.push({ slot: e.slot, lot, quantity, replace: e.replace === true });
  }
  return out;
}

/**
 * In the restock's transaction: slots restocked to 0 or with `replace` end their lots; then each
 * planned lot is recorded. Returns the lot shown in `stock.restocked` per slot.
 */
export function applyLots(
  lots: SlotLots | undefined,
  tx: StockTx,
  device: string,
  counts: ReadonlyMap<number, number>,
  planned: readonly PlannedLot[],
  by: string,
): Map<number, JsonObject> {
  const shown = new Map<number, JsonObject>();
  if (!lots) return shown;
  for (const [slot, count] of counts) {
    const p = planned.find((x) => x.slot === slot);
    if (count === 0 || p?.replace) lots.endSlot(tx.now, device, slot);
  }
  for (const p of planned) shown.set(p.slot, lots.loadSlot(tx, device, p.slot, p.lot, p.quantity, by));
  return shown;
}
