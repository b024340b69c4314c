/**
 * A pay-first paymentRef buys one session: the same reference under a new command id (a second
 * vend.session) is refused with QH_VEND_PAYMENT_REUSED, also after a gateway restart (the used
 * references are kept in the store), and the machine never gets the credit twice.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("a paymentRef is spent once", () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it("a second session with the same paymentRef is refused, before and after a restart", async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
    await rig.reader.beginSession({ credit: 300, paymentRef: "pay-once" });
    await rig.waitState("IDLE");
    await rig.reader.cancelSession("pay-once");
    await rig.waitFor("vend.session_ended");
    await rig.waitState("ENABLED");
    await expect(rig.reader.beginSession({ credit: 300, paymentRef: "pay-once" })).rejects.toMatchObject({
      code: "QH_VEND_PAYMENT_REUSED",
    });
    expect(rig.reader.view().session).toBeNull();

    await rig.stopReader();
    await rig.restartReader();
    rig.sim.powerCycle(50); // the new reader learns the state from the bridge's boot
    await rig.waitState("ENABLED");
    await expect(rig.reader.beginSession({ credit: 300, paymentRef: "pay-once" })).rejects.toMatchObject({
      code: "QH_VEND_PAYMENT_REUSED",
    });
    // another payment still works
    await rig.reader.beginSession({ credit: 200, paymentRef: "pay-other" });
    await rig.waitState("IDLE");
    expect(rig.sink.events("vend.session_ended")).toHaveLength(1);
  });
});
