/**
 * Select first: no answer within the authorisation window (inside the reader's maximum response
 * time) denies the vend; a late answer changes nothing and is refused with a coded error.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("select first without an answer", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig({ settings: { authorizeWindowMs: 200 } });
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("denies at the end of the window; the late answer is QH_VEND_NOT_PENDING", async () => {
    rig.sim.select(12);
    const [req] = await rig.waitFor("vend.authorize");
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({ reason: "timeout", requestId: req?.data.requestId });
    await expect(
      rig.reader.authorizeResult({
        requestId: req?.data.requestId as string,
        approved: true,
        paymentRef: "late",
      }),
    ).rejects.toMatchObject({ code: "QH_VEND_NOT_PENDING" });
    await rig.waitState("ENABLED");
    expect(rig.sink.types()).not.toContain("vend.approved");
    expect(rig.sim.vends).toMatchObject([{ item: 12, outcome: "denied" }]);
  });
});
