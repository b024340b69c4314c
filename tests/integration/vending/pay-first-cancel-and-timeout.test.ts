/**
 * Pay first: the platform cancels an open session, or it times out with no vend; either way the
 * gateway asks the VMC to end it (session cancel request) and reports the unspent credit with the
 * reason.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("pay first, cancel and timeout", () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it("a cancel from the platform ends the session: reason cancelled, all credit unspent", async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
    await rig.reader.beginSession({ credit: 300, paymentRef: "pay-c" });
    await rig.waitState("IDLE");
    await rig.reader.cancelSession("pay-c");
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ paymentRef: "pay-c", reason: "cancelled", unspent: 300 });
    await rig.waitState("ENABLED");
    await expect(rig.reader.cancelSession("pay-c")).rejects.toMatchObject({ code: "QH_VEND_NOT_PENDING" });
  });

  it("a session with no vend until its expiry ends: reason timeout", async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
    await rig.reader.beginSession({ credit: 300, paymentRef: "pay-t", expiresAtMs: Date.now() + 300 });
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ paymentRef: "pay-t", reason: "timeout", unspent: 300 });
  });

  it("the customer's own cancel (return button) ends it: reason completed", async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
    await rig.reader.beginSession({ credit: 300, paymentRef: "pay-r" });
    await rig.waitState("IDLE");
    expect(rig.sim.cancel()).toBe(true);
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ reason: "completed", unspent: 300 });
  });
});
