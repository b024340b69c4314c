/**
 * The bridge refuses the approval line (`c,ERR,STATE`: the machine moved on): the platform's
 * vend.authorize.result is answered `approved: false` with the reason, no vend.approved is
 * recorded, and vend.denied flags `refundNeeded` (the platform approved, so it charged).
 */
import { afterEach, describe, expect, it } from "vitest";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

describe("a refused approval", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  afterEach(() => r.close());

  it("is reported approved:false, and the denial asks for the refund", async () => {
    r = await scriptedRig({
      dir: t.dir,
      db: t.db,
      onWrite: (cmd, feed) =>
        setTimeout(() => feed(cmd.startsWith("C,VEND") ? "c,ERR,STATE\n" : "c,OK\n"), 2),
    });
    r.feed("c,STATUS,ENABLED\nc,STATUS,VEND,150,12\n");
    await r.until(() => r.events("vend.authorize").length === 1, "vend.authorize");
    const requestId = r.events("vend.authorize")[0]?.data.requestId as string;
    const res = await r.reader.authorizeResult({ requestId, approved: true, paymentRef: "pay-1" });
    expect(res).toMatchObject({ approved: false, reason: "bridge_refused" });
    await r.until(() => r.events("vend.denied").length === 1, "vend.denied");
    expect(r.events("vend.denied")[0]?.data).toMatchObject({
      requestId,
      reason: "bridge_refused",
      bridgeReason: "STATE",
      refundNeeded: true,
      refundAmount: 150,
      paymentRef: "pay-1",
    });
    expect(r.events("vend.approved")).toHaveLength(0);
  });
});
