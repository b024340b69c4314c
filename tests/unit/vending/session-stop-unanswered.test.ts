/**
 * A pay-first session the gateway asked the machine to end (timeout or cancel) while the bridge
 * refuses C,STOP (it lost the session without a word): after the grace period the gateway ends it
 * alone, reason `stop_unanswered`, reports the unspent credit, shows it in problems() until the
 * machine is heard from, and the next customer can pay.
 */
import { afterEach, describe, expect, it } from "vitest";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

describe("C,STOP refused", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  afterEach(() => r.close());

  it("the session ends with stop_unanswered and its unspent credit, and problems() says so", async () => {
    r = await scriptedRig({
      dir: t.dir,
      db: t.db,
      stopGraceMs: 100,
      onWrite: (cmd, feed) => setTimeout(() => feed(cmd === "C,STOP" ? "c,ERR,STATE\n" : "c,OK\n"), 2),
    });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    await r.reader.beginSession({ credit: 500, paymentRef: "pay-2" });
    await r.reader.cancelSession("pay-2");
    await r.until(() => r.events("vend.session_ended").length === 1, "vend.session_ended");
    expect(r.events("vend.session_ended")[0]?.data).toMatchObject({
      paymentRef: "pay-2",
      reason: "stop_unanswered",
      unspent: 500,
    });
    expect(r.reader.view().session).toBeNull();
    expect(r.reader.problems()).toEqual([expect.stringContaining("never answered")]);
    expect(t.db.prepare("SELECT count(*) FROM vending_sessions").pluck().get()).toBe(0);
    // the machine is heard from (reader enabled, no session): the problem clears; the next customer pays
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.problems().length === 0, "problems cleared");
    expect(await r.reader.beginSession({ credit: 300, paymentRef: "pay-3" })).toMatchObject({ credit: 300 });
  });
});
