/**
 * The gateway stops with an approved vend open (crash, power loss): at start the session left in
 * the store is ended with a clear outcome (vend.failed dispensed unknown, vend.session_ended).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("gateway restart with an open session", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig({ sim: { dispenseMs: 60_000 } });
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("ends what it left open: vend.failed (gateway_restart) and vend.session_ended", async () => {
    await rig.reader.beginSession({ credit: 500, paymentRef: "pay-g" });
    await rig.waitState("IDLE");
    rig.sim.select(12);
    await rig.waitFor("vend.approved");
    await rig.stopReader();
    await rig.restartReader();
    const [failed] = await rig.waitFor("vend.failed");
    expect(failed?.data).toMatchObject({
      reason: "gateway_restart",
      dispensed: "unknown",
      price: 150,
      paymentRef: "pay-g",
    });
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ paymentRef: "pay-g", reason: "gateway_restart", unspent: 500 });
  });
});
