/**
 * Pay first over a PTY pair: the platform grants credit, the customer selects within it, the
 * machine dispenses; the sale is recorded with its event; the session ends with the unspent credit.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listSales } from "../../../src/domain/vending/sales.js";
import { DEVICE, type Rig, vendingRig } from "./support.js";

describe("pay first over a pty pair", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("approves a vend within the credit, completes it on the machine's success, reports the unspent credit", async () => {
    const started = await rig.reader.beginSession({ credit: 500, paymentRef: "pay-42" });
    expect(started).toMatchObject({ device: DEVICE, credit: 500, paymentRef: "pay-42" });
    await rig.waitState("IDLE");
    expect(rig.sim.select(12)).toBe(true);

    const [approved] = await rig.waitFor("vend.approved");
    expect(approved?.data).toMatchObject({ flow: "pay_first", slot: 12, price: 150, paymentRef: "pay-42" });
    const [completed] = await rig.waitFor("vend.completed");
    expect(completed?.data).toMatchObject({
      slot: 12,
      price: 150,
      paymentRef: "pay-42",
      sessionId: started.sessionId,
    });
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({
      paymentRef: "pay-42",
      credit: 500,
      spent: 150,
      unspent: 350,
      reason: "completed",
    });

    const sales = listSales(rig.db, DEVICE);
    expect(sales).toHaveLength(1);
    expect(sales[0]).toMatchObject({ slot: 12, price: 150, payment: "cashless", paymentRef: "pay-42" });
    expect(sales[0]?.id).toBe(completed?.data.saleId);
    expect(rig.sim.vends.map((v) => v.outcome)).toEqual(["dispensed"]);
  });

  it("denies a vend above the credit left, and refuses a second session while one is open", async () => {
    await rig.reader.beginSession({ credit: 200, paymentRef: "pay-43" });
    await rig.waitState("IDLE");
    await expect(rig.reader.beginSession({ credit: 100, paymentRef: "pay-44" })).rejects.toMatchObject({
      code: "QH_VEND_NOT_READY",
    });
    rig.sim.select(3); // 300 > 200
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({ reason: "insufficient_credit", creditLeft: 200, slot: 3 });
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ unspent: 200, spent: 0 });
    expect(rig.sink.types()).not.toContain("vend.completed");
  });
});
