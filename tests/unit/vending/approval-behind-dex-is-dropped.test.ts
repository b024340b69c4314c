/**
 * An approval that waited in the bridge queue behind a DEX transfer is never written for a vend
 * that is over (the machine gave up and the next customer's request came in: writing it would
 * approve *their* vend), nor after the machine's maximum response time. A vend cancelled while
 * its approval waits is vend.denied (with the refund the platform's charge needs), never
 * vend.approved: the events match what the machine was told.
 */
import { afterEach, describe, expect, it } from "vitest";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

describe("an approval queued behind a DEX fetch", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  let dexFeed: ((text: string) => void) | undefined;
  afterEach(() => r.close());

  const rig = (maxResponseSeconds = 5) =>
    scriptedRig({
      dir: t.dir,
      db: t.db,
      settings: {
        reader: {
          featureLevel: 1,
          countryCode: "1156",
          scaleFactor: 1,
          decimalPlaces: 2,
          maxResponseSeconds,
          options: 0,
        },
        authorizeWindowMs: 3000,
      },
      onWrite: (cmd, feed) => {
        if (cmd === "C,DEX") {
          dexFeed = feed;
          feed("c,DEX,BEGIN\n");
          return;
        }
        setTimeout(() => feed("c,OK\n"), 2);
      },
    });

  it("is dropped when the vend it approves is over, and never approves the next one", async () => {
    r = await rig();
    r.feed("c,STATUS,ENABLED\n");
    const dex = r.driver.send({ kind: "dex" });
    r.feed("c,STATUS,VEND,150,12\n"); // customer A
    await r.until(() => r.events("vend.authorize").length === 1, "A's vend.authorize");
    const a = r.events("vend.authorize")[0]?.data.requestId as string;
    const resA = r.reader.authorizeResult({ requestId: a, approved: true, paymentRef: "pay-A" });
    r.feed("c,VEND,CANCEL\n"); // the machine gave up on A
    r.feed("c,STATUS,VEND,120,7\n"); // customer B
    await r.until(() => r.events("vend.authorize").length === 2, "B's vend.authorize");
    dexFeed?.("c,DEX,LINE,DXS*X\nc,DEX,END,1\n");
    await dex;
    expect(await resA).toMatchObject({ approved: false, reason: "vend_gone" });
    expect(r.written.filter((l) => l.startsWith("C,VEND"))).toEqual([]);
    // the events say what the machine was told: nothing approved A; A is denied, its charge refunded
    expect(r.events("vend.approved")).toHaveLength(0);
    expect(r.events("vend.failed")).toHaveLength(0);
    expect(r.events("vend.denied").map((e) => e.data)).toEqual([
      expect.objectContaining({
        requestId: a,
        reason: "machine_cancelled",
        refundNeeded: true,
        refundAmount: 150,
      }),
    ]);
  });

  it("is dropped (and the vend denied, refund flagged) once the machine stopped waiting", async () => {
    r = await rig(1);
    r.feed("c,STATUS,ENABLED\n");
    const dex = r.driver.send({ kind: "dex" });
    r.feed("c,STATUS,VEND,150,12\n");
    await r.until(() => r.events("vend.authorize").length === 1, "vend.authorize");
    const a = r.events("vend.authorize")[0]?.data.requestId as string;
    const res = r.reader.authorizeResult({ requestId: a, approved: true, paymentRef: "pay-A" });
    await new Promise((ok) => setTimeout(ok, 1100)); // past the machine's 1 s response time
    dexFeed?.("c,DEX,LINE,DXS*X\nc,DEX,END,1\n");
    await dex;
    expect(await res).toMatchObject({ approved: false, reason: "approval_late" });
    expect(r.written.filter((l) => l.startsWith("C,VEND"))).toEqual([]);
    await r.until(() => r.events("vend.denied").length === 1, "vend.denied");
    expect(r.events("vend.denied")[0]?.data).toMatchObject({ reason: "approval_late", refundNeeded: true });
    expect(r.events("vend.approved")).toHaveLength(0);
  });
});
