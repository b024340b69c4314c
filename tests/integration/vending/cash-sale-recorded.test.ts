/**
 * Cash is kept: a cash sale the machine reports is recorded as a sale (payment cash) with its
 * vend.cash_sale event, with or without a cashless session around it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listSales, salesTotals } from "../../../src/domain/vending/sales.js";
import { DEVICE, type Rig, vendingRig } from "./support.js";

describe("cash sales", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("records each cash sale with its event and counts it with the cashless ones", async () => {
    expect(rig.sim.cash(7)).toBe(true);
    expect(rig.sim.cash(7)).toBe(true);
    const events = await rig.waitFor("vend.cash_sale", 2);
    expect(events[0]?.data).toMatchObject({ slot: 7, price: 120 });
    await new Promise((r) => setTimeout(r, 50));
    const sales = listSales(rig.db, DEVICE);
    expect(sales.map((s) => s.payment)).toEqual(["cash", "cash"]);
    expect(sales.every((s) => s.seq !== null)).toBe(true);
    expect(salesTotals(rig.db, DEVICE)).toEqual([{ slot: 7, payment: "cash", vends: 2, value: 240 }]);
  });
});
