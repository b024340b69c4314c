/**
 * The machine's VEND SUCCESS names the slot it dispensed from. When that is not the slot approved,
 * the sale (and so the stock) is charged to the slot the machine reports, and the event says what
 * was approved (`approvedSlot`, `slotMismatch`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { listSales } from "../../../src/domain/vending/sales.js";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

describe("VEND SUCCESS for another slot", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  afterEach(() => r.close());

  it("is charged to the machine's slot and flagged on vend.completed", async () => {
    const products: Record<number, string> = { 1: "water", 6: "milk" };
    r = await scriptedRig({
      dir: t.dir,
      db: t.db,
      onWrite: (_c, feed) => setTimeout(() => feed("c,OK\n"), 2),
      productOf: (_d, slot) => products[slot] ?? null,
    });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    await r.reader.beginSession({ credit: 500, paymentRef: "pay-1" });
    r.feed("c,STATUS,IDLE\nc,STATUS,VEND,100,1\n");
    await r.until(() => r.events("vend.approved").length === 1, "vend.approved");
    r.feed("c,VEND,SUCCESS,6\n");
    await r.until(() => r.events("vend.completed").length === 1, "vend.completed");
    expect(r.events("vend.approved")[0]?.data).toMatchObject({ slot: 1, product: "water" });
    expect(r.events("vend.completed")[0]?.data).toMatchObject({
      slot: 6,
      product: "milk",
      approvedSlot: 1,
      slotMismatch: true,
      price: 100,
    });
    const sales = listSales(t.db, "vm-1");
    expect(sales.map((x) => [x.slot, x.product])).toEqual([[6, "milk"]]);
  });
});
