/**
 * A vend that fails after its approval (motor jam, no cup, sold out: MDB's VEND FAILURE) is
 * recorded as vend.failed: select first with refundNeeded, pay first with the credit left unspent.
 * Never vend.completed, never a sale.
 */
import { afterEach, describe, expect, it } from "vitest";
import { listSales } from "../../../src/domain/vending/sales.js";
import { DEVICE, type Rig, vendingRig } from "./support.js";

describe("failure after approval", () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it("select first: vend.failed with refundNeeded and the amount", async () => {
    rig = await vendingRig({ sim: { fail: { 12: "motorJam" } }, settings: { authorizeWindowMs: 1500 } });
    await rig.waitState("ENABLED");
    rig.sim.select(12);
    const [req] = await rig.waitFor("vend.authorize");
    await rig.reader.authorizeResult({
      requestId: req?.data.requestId as string,
      approved: true,
      paymentRef: "wx-9",
    });
    const [failed] = await rig.waitFor("vend.failed");
    expect(failed?.data).toMatchObject({
      paymentRef: "wx-9",
      slot: 12,
      price: 150,
      refundNeeded: true,
      refundAmount: 150,
      reason: "machine_failure",
      dispensed: "no",
    });
    expect(rig.sink.types().filter((t) => t.startsWith("vend."))).toEqual([
      "vend.authorize",
      "vend.approved",
      "vend.failed",
    ]);
    expect(listSales(rig.db, DEVICE)).toEqual([]);
  });

  it("pay first: vend.failed, and the price stays in the unspent credit", async () => {
    rig = await vendingRig({ sim: { fail: { 12: "noCup" } } });
    await rig.waitState("ENABLED");
    await rig.reader.beginSession({ credit: 400, paymentRef: "pay-7" });
    await rig.waitState("IDLE");
    rig.sim.select(12);
    const [failed] = await rig.waitFor("vend.failed");
    expect(failed?.data).toMatchObject({ paymentRef: "pay-7", refundNeeded: false, dispensed: "no" });
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ credit: 400, spent: 0, unspent: 400 });
    expect(rig.sink.types()).not.toContain("vend.completed");
  });
});
