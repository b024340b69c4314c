/**
 * Offline (the uplink down): select-first vends are denied, or approved up to the machine's
 * per-day offline limit (an operator setting, default off); the approvals are recorded (durable,
 * reported when the uplink is back) and counted per local day.
 */
import { afterEach, describe, expect, it } from "vitest";
import { listSales } from "../../../src/domain/vending/sales.js";
import { localDay, offlineUsage } from "../../../src/domain/vending/store.js";
import { DEVICE, type Rig, vendingRig } from "./support.js";

describe("offline rules", () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it("limit off (default): a select-first vend is denied at once, nothing asked upstream", async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
    rig.online.up = false;
    rig.sim.select(12);
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({ reason: "offline", offlineLimit: "off" });
    expect(rig.sink.types()).not.toContain("vend.authorize");
  });

  it("limit 1 a day: the first is approved offline and completed, the second denied", async () => {
    rig = await vendingRig({ settings: { offlineLimit: { vendsPerDay: 1, amountPerDay: 0 } } });
    await rig.waitState("ENABLED");
    rig.online.up = false;
    rig.sim.select(12);
    const [approved] = await rig.waitFor("vend.approved");
    expect(approved?.data).toMatchObject({ offline: true, slot: 12, paymentRef: null });
    const [done] = await rig.waitFor("vend.completed");
    expect(done?.data).toMatchObject({ offline: true });
    expect(listSales(rig.db, DEVICE)).toMatchObject([{ offline: true, payment: "cashless" }]);
    expect(offlineUsage(rig.db, DEVICE, localDay(Date.now()))).toEqual({ vends: 1, amount: 150 });
    await rig.waitState("ENABLED");

    rig.sim.select(7);
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({ reason: "offline", offlineLimit: "reached" });
  });

  it("an amount cap denies a vend that would pass it", async () => {
    rig = await vendingRig({ settings: { offlineLimit: { vendsPerDay: 10, amountPerDay: 100 } } });
    await rig.waitState("ENABLED");
    rig.online.up = false;
    rig.sim.select(12); // 150 > 100
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({ reason: "offline", offlineLimit: "reached" });
  });
});
