/**
 * A gateway restart with an approved vend open: the session row keeps the vend's requestId,
 * product and that vend.approved is recorded, so the restart reports vend.failed (dispensed
 * unknown) under the same requestId and product and never records vend.approved a second time.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

describe("restart with an approved vend", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  let sink: SqliteEventSink;
  afterEach(() => {
    r.close();
    sink.close();
  });

  it("reports its outcome under the same requestId, with vend.approved once", async () => {
    sink = new SqliteEventSink(join(t.dir, "events.sqlite"));
    const ok = (_c: string, feed: (s: string) => void) => setTimeout(() => feed("c,OK\n"), 2);
    r = await scriptedRig({ dir: t.dir, db: t.db, sink, onWrite: ok, productOf: () => "cola-330" });
    r.feed("c,STATUS,ENABLED\nc,STATUS,VEND,150,12\n");
    await r.until(() => r.events("vend.authorize").length === 1, "vend.authorize");
    const requestId = r.events("vend.authorize")[0]?.data.requestId as string;
    await r.reader.authorizeResult({ requestId, approved: true, paymentRef: "pay-A" });
    await r.until(() => r.events("vend.approved").length === 1, "vend.approved");
    r.close(); // the gateway stops (crash) with the vend approved and no result

    r = await scriptedRig({ dir: t.dir, db: t.reopen(), sink, onWrite: ok });
    await r.until(() => r.events("vend.failed").length === 1, "vend.failed after the restart");
    expect(r.events("vend.approved")).toHaveLength(1);
    expect(r.events("vend.failed")[0]?.data).toMatchObject({
      requestId,
      product: "cola-330",
      slot: 12,
      reason: "gateway_restart",
      dispensed: "unknown",
      refundNeeded: true,
    });
  });

  it("a crash right after the approve line (no answer yet, nothing fsynced) still ends with the refund", async () => {
    sink = new SqliteEventSink(join(t.dir, "events.sqlite"));
    let approveWritten = false;
    // the bridge never answers C,VEND: the gateway dies with the line out and no c,OK
    const script = (c: string, feed: (s: string) => void) => {
      if (c.startsWith("C,VEND")) approveWritten = true;
      else setTimeout(() => feed("c,OK\n"), 2);
    };
    r = await scriptedRig({ dir: t.dir, db: t.db, sink, onWrite: script, productOf: () => "cola-330" });
    r.feed("c,STATUS,ENABLED\nc,STATUS,VEND,150,12\n");
    await r.until(() => r.events("vend.authorize").length === 1, "vend.authorize");
    const requestId = r.events("vend.authorize")[0]?.data.requestId as string;
    void r.reader.authorizeResult({ requestId, approved: true, paymentRef: "pay-B" });
    await r.until(() => approveWritten, "the approve line");
    r.close(); // crash: the row written just before the line is all there is

    r = await scriptedRig({ dir: t.dir, db: t.reopen(), sink, onWrite: () => undefined });
    await r.until(() => r.events("vend.failed").length === 1, "vend.failed after the restart");
    expect(r.events("vend.approved")).toHaveLength(1);
    expect(r.events("vend.failed")[0]?.data).toMatchObject({
      requestId,
      paymentRef: "pay-B",
      reason: "gateway_restart",
      dispensed: "unknown",
      refundNeeded: true,
      refundAmount: 150,
    });
  });
});
