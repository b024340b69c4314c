/**
 * Offline (the uplink down): select-first vends are denied, or approved up to the machine's
 * offline limit per 24 h window (an operator setting, default off); the approvals are recorded
 * (durable, reported when the uplink is back) and counted in a window that began with the first
 * offline approval: a step of the wall clock (NTP correcting a Pi's clock) grants nothing again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { listSales } from "../../../src/domain/vending/sales.js";
import { OFFLINE_WINDOW_MS, offlineWindow } from "../../../src/domain/vending/store.js";
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
    expect(offlineWindow(rig.db, DEVICE, Date.now())).toMatchObject({ vends: 1, amount: 150 });
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

  it("a clock step (forward past midnight, or back) does not grant the allowance again; 24 h do", async () => {
    // 23:30 local: a wall-clock day key would start a new day after a 1 h step
    const start = new Date(2026, 10, 30, 23, 30).getTime();
    const clock = new ManualClock(start);
    rig = await vendingRig({ clock, settings: { offlineLimit: { vendsPerDay: 1, amountPerDay: 0 } } });
    await rig.reader.start();
    await rig.waitState("ENABLED");
    rig.online.up = false;
    rig.sim.select(12);
    await rig.waitFor("vend.completed");
    await rig.waitState("ENABLED");

    clock.correct(3600_000); // NTP steps the wall clock 1 h forward: now past midnight
    rig.sim.select(7);
    const [afterForward] = await rig.waitFor("vend.denied");
    expect(afterForward?.data).toMatchObject({ reason: "offline", offlineLimit: "reached" });
    await rig.waitState("ENABLED");

    clock.correct(-2 * 3600_000); // and back 2 h
    rig.sim.select(7);
    await rig.waitFor("vend.denied", 2);
    expect(rig.sink.events("vend.denied")[1]?.data).toMatchObject({ offlineLimit: "reached" });
    await rig.waitState("ENABLED");

    clock.advance(OFFLINE_WINDOW_MS); // a real day later: the allowance is back
    rig.sim.select(7);
    const approved = await rig.waitFor("vend.approved", 2);
    expect(approved[1]?.data).toMatchObject({ offline: true, slot: 7 });
  });
});
