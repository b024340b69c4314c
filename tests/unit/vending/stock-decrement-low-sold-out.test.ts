/**
 * Stock follows the sales: every completed vend, cash or cashless, takes one off its slot inside
 * the sale's own transaction; `stock.low` once when a slot falls to its low mark, `slot.sold_out`
 * when it reaches 0; a slot outside the planogram or counted empty changes nothing.
 */
import { describe, expect, it } from "vitest";
import { listSales } from "../../../src/domain/vending/sales.js";
import { useStock } from "./stock-fixture.js";

describe("planogram stock", () => {
  const f = useStock();

  it("starts from the config: counts default to the capacity, low marks to planogram.lowStockAt", () => {
    expect(f.planogram.slots("vm-1").map((s) => [s.slot, s.count, s.lowAt, s.dexProduct, s.state])).toEqual([
      [1, 10, 2, "1", "ok"],
      [2, 3, 2, "2", "ok"],
      [3, 1, 0, "3", "ok"],
      [12, 5, 2, "6", "ok"],
    ]);
  });

  it("a cashless vend and a cash sale each take one off their slot", async () => {
    await f.sell(1, "cashless");
    await f.sell(1, "cash");
    expect(f.planogram.slot("vm-1", 1)?.count).toBe(8);
    expect(listSales(f.t.db, "vm-1").map((s) => s.payment)).toEqual(["cashless", "cash"]);
  });

  it("emits stock.low once when the count falls to the low mark, then slot.sold_out at 0", async () => {
    await f.sell(2); // 3 → 2: low
    await f.sell(2); // 2 → 1: already low, no repeat
    await f.sell(2, "cash"); // 1 → 0: sold out
    const low = f.sink.events("stock.low");
    expect(low).toHaveLength(1);
    expect(low[0]?.data).toMatchObject({ slot: 2, product: "tea-500", count: 2, lowAt: 2, capacity: 8 });
    const out = f.sink.events("slot.sold_out");
    expect(out).toHaveLength(1);
    expect(out[0]?.data).toMatchObject({ slot: 2, product: "tea-500", count: 0 });
    expect(out[0]?.data.saleId).toBe(listSales(f.t.db, "vm-1").at(-1)?.id);
    expect(f.planogram.slot("vm-1", 2)?.state).toBe("sold_out");
  });

  it("the stock events are committed with the sale (same transaction, in order)", async () => {
    await f.sell(3); // 1 → 0
    expect(f.sink.types()).toEqual(["vend.completed", "slot.sold_out"]);
  });

  it("a slot counted empty stays at 0 and the sale is kept", async () => {
    await f.sell(3);
    await f.sell(3, "cash");
    expect(f.planogram.slot("vm-1", 3)?.count).toBe(0);
    expect(f.sink.events("slot.sold_out")).toHaveLength(1);
    expect(listSales(f.t.db, "vm-1")).toHaveLength(2);
  });

  it("a sale from a slot outside the planogram changes no stock", async () => {
    await f.sell(99);
    expect(f.planogram.slots("vm-1").map((s) => s.count)).toEqual([10, 3, 1, 5]);
    expect(listSales(f.t.db, "vm-1")).toHaveLength(1);
  });

  it("counts survive a restart; the config updates product and capacity, clamps the count", async () => {
    await f.sell(1);
    f.t.reopen();
    // the reopened database: a new recorder and planogram over it, the config changed
    const p = f.build({
      lowStockAt: 2,
      machines: [{ device: "vm-1", slots: [{ slot: 1, product: "water-1l", price: 250, capacity: 6 }] }],
    });
    const s = p.slot("vm-1", 1)!;
    expect([s.product, s.capacity, s.count, s.price]).toEqual(["water-1l", 6, 6, 200]);
    expect(p.slot("vm-1", 2)).toBeUndefined(); // retired
  });
});
