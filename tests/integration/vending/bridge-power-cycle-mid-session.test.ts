/**
 * The bridge loses power in the middle of a session, after an approval and before the machine's
 * result: the session ends with a clear outcome (vend.failed, dispensed unknown; the unspent credit
 * reported), and after the bridge's boot the reader is configured again and works.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("bridge power cycle mid-session", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig({ sim: { dispenseMs: 2000 }, settings: { authorizeWindowMs: 1500 } });
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("pay first: vend.failed (dispensed unknown) and vend.session_ended; then a new session works", async () => {
    await rig.reader.beginSession({ credit: 500, paymentRef: "pay-p" });
    await rig.waitState("IDLE");
    rig.sim.select(12);
    await rig.waitFor("vend.approved");
    rig.sim.powerCycle(100);
    const [failed] = await rig.waitFor("vend.failed");
    expect(failed?.data).toMatchObject({
      paymentRef: "pay-p",
      reason: "bridge_power_cycle",
      dispensed: "unknown",
    });
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ reason: "bridge_power_cycle", spent: 0, unspent: 500 });
    expect(rig.sink.types()).not.toContain("vend.completed");

    await rig.waitState("ENABLED"); // configured again after c,BOOT
    await rig.reader.beginSession({ credit: 200, paymentRef: "pay-q" });
    await rig.waitState("IDLE");
    expect(rig.reader.view()).toMatchObject({ session: { paymentRef: "pay-q" } });
  });

  it("select first: the approved vend is failed with a refund", async () => {
    rig.sim.select(7);
    const [req] = await rig.waitFor("vend.authorize");
    await rig.reader.authorizeResult({
      requestId: req?.data.requestId as string,
      approved: true,
      paymentRef: "wx-p",
    });
    await rig.waitFor("vend.approved");
    rig.sim.powerCycle(100);
    const [failed] = await rig.waitFor("vend.failed");
    expect(failed?.data).toMatchObject({
      paymentRef: "wx-p",
      refundNeeded: true,
      refundAmount: 120,
      dispensed: "unknown",
    });
    await rig.waitState("ENABLED");
  });
});
