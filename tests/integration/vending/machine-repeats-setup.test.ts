/**
 * A machine that sends SETUP and READER ENABLE twice at power-up, and runs SETUP again unasked
 * later (PROTOCOLS.md §10): the reader follows the states and sessions work as before.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("a machine that repeats SETUP", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig({ sim: { setupRepeats: 2 } });
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("is tolerated at power-up and later, and a pay-first vend still completes", async () => {
    rig.sim.repeatSetup();
    await new Promise((r) => setTimeout(r, 100));
    await rig.waitState("ENABLED");
    expect(rig.reader.view()).toMatchObject({
      readerState: "ENABLED",
      maxPrice: 1000,
      minPrice: 50,
      session: null,
    });
    await rig.reader.beginSession({ credit: 200, paymentRef: "pay-s" });
    await rig.waitState("IDLE");
    rig.sim.select(12);
    const [done] = await rig.waitFor("vend.completed");
    expect(done?.data).toMatchObject({ paymentRef: "pay-s", slot: 12 });
    expect(rig.sink.types()).not.toContain("vend.failed");
  });
});
