/**
 * Select first over a PTY pair: the machine's vend request goes upstream as vend.authorize; the
 * platform's approval puts the approve line out and the sale is completed on the machine's
 * success; a denial denies.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listSales } from "../../../src/domain/vending/sales.js";
import { DEVICE, type Rig, vendingRig } from "./support.js";

describe("select first over a pty pair", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig({ settings: { authorizeWindowMs: 1500 } });
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("asks the platform, approves on its answer, completes on the machine's success", async () => {
    expect(rig.sim.select(12)).toBe(true);
    const [req] = await rig.waitFor("vend.authorize");
    expect(req?.data).toMatchObject({ slot: 12, price: 150, windowMs: 1500 });
    const requestId = req?.data.requestId as string;
    await expect(
      rig.reader.authorizeResult({ requestId, approved: true, paymentRef: "wx-1" }),
    ).resolves.toMatchObject({ approved: true });
    const [approved] = await rig.waitFor("vend.approved");
    expect(approved?.data).toMatchObject({ flow: "select_first", requestId, paymentRef: "wx-1", price: 150 });
    expect(typeof approved?.data.gatewayMs).toBe("number");
    const [done] = await rig.waitFor("vend.completed");
    expect(done?.data).toMatchObject({ slot: 12, price: 150, paymentRef: "wx-1" });
    expect(listSales(rig.db, DEVICE)).toMatchObject([{ slot: 12, payment: "cashless", paymentRef: "wx-1" }]);
    // select first has no credit: no vend.session_ended
    await rig.waitState("ENABLED");
    expect(rig.sink.types()).not.toContain("vend.session_ended");
  });

  it("denies when the platform says no, and the machine dispenses nothing", async () => {
    rig.sim.select(7);
    const [req] = await rig.waitFor("vend.authorize");
    await rig.reader.authorizeResult({
      requestId: req?.data.requestId as string,
      approved: false,
      reason: "no_balance",
    });
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({ reason: "no_balance", slot: 7 });
    await rig.waitState("ENABLED");
    expect(rig.sim.vends).toMatchObject([{ item: 7, outcome: "denied" }]);
    expect(listSales(rig.db, DEVICE)).toEqual([]);
  });
});
