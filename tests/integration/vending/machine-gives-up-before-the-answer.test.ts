/**
 * A machine whose own timer runs out before the platform answers (VEND CANCEL): the vend is denied
 * (machine_cancelled) and the platform's later answer is refused; nothing is approved.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("the machine gives up first", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig({ sim: { vmcTimeoutMs: 150 }, settings: { authorizeWindowMs: 1500 } });
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("denies with machine_cancelled; the late approval is QH_VEND_NOT_PENDING", async () => {
    rig.sim.select(12);
    const [req] = await rig.waitFor("vend.authorize");
    const [denied] = await rig.waitFor("vend.denied");
    expect(denied?.data).toMatchObject({ reason: "machine_cancelled", requestId: req?.data.requestId });
    await expect(
      rig.reader.authorizeResult({
        requestId: req?.data.requestId as string,
        approved: true,
        paymentRef: "x",
      }),
    ).rejects.toMatchObject({ code: "QH_VEND_NOT_PENDING" });
    expect(rig.sink.types()).not.toContain("vend.approved");
    expect(rig.sim.vends).toMatchObject([{ item: 12, outcome: "cancelled", cause: "timeout" }]);
  });
});
