/**
 * Noise and malformed or unknown lines from the bridge (garbage bytes, a state this version does not
 * know, an over-long line) are dropped and logged; the flow around them carries on.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("malformed bridge lines", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("are dropped without disturbing a cash sale or a session", async () => {
    rig.sim.injectGarbage(Buffer.from("\xff\x00zz\nc,STATUS,REVALUE\nc,STATUS,VEND,99999,1\n", "latin1"));
    rig.sim.injectGarbage(Buffer.from(`c,DEX,LINE,${"X".repeat(400)}\n`));
    rig.sim.cash(7);
    const [cash] = await rig.waitFor("vend.cash_sale");
    expect(cash?.data).toMatchObject({ slot: 7, price: 120 });
    expect(rig.reader.readerState).toBe("ENABLED");
    await rig.reader.beginSession({ credit: 200, paymentRef: "pay-m" });
    await rig.waitState("IDLE");
    rig.sim.select(12);
    await rig.waitFor("vend.completed");
    expect(rig.sink.types()).not.toContain("vend.authorize");
  });
});
