/**
 * The bridge's serial line vanishes (USB unplugged) after an approval: nothing more can be heard
 * from the machine, so the session ends at once with a clear outcome (link_lost: the vend failed
 * with dispensed unknown, the unspent credit reported).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("serial line lost mid-session", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig({ sim: { dispenseMs: 60_000 } });
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("ends the session: vend.failed (link_lost, dispensed unknown) and vend.session_ended", async () => {
    await rig.reader.beginSession({ credit: 400, paymentRef: "pay-l" });
    await rig.waitState("IDLE");
    rig.sim.select(12);
    await rig.waitFor("vend.approved");
    await rig.unplug();
    const [failed] = await rig.waitFor("vend.failed");
    expect(failed?.data).toMatchObject({ reason: "link_lost", dispensed: "unknown", paymentRef: "pay-l" });
    const [ended] = await rig.waitFor("vend.session_ended");
    expect(ended?.data).toMatchObject({ reason: "link_lost", unspent: 400 });
    expect(rig.reader.view()).toMatchObject({ session: null });
  });
});
