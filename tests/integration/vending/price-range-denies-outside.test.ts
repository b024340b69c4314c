/**
 * The reader's accepted price range (set by the planogram's vend.prices): a vend request priced
 * outside it is denied, even within a pay-first credit; inside it the vend goes on.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("the reader's price range", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("denies a price outside it and approves one inside", async () => {
    rig.reader.setPriceRange({ min: 100, max: 200 });
    await rig.reader.beginSession({ credit: 1000, paymentRef: "pay-r" });
    await rig.waitState("IDLE");
    rig.sim.select(3); // 300
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({
      reason: "price_out_of_range",
      price: 300,
      priceRange: { min: 100, max: 200 },
    });
    await rig.waitFor("vend.session_ended");
    await rig.waitState("ENABLED");
    await rig.reader.beginSession({ credit: 1000, paymentRef: "pay-s" });
    await rig.waitState("IDLE");
    rig.sim.select(12); // 150
    const [done] = await rig.waitFor("vend.completed");
    expect(done?.data).toMatchObject({ price: 150, paymentRef: "pay-s" });
  });
});
