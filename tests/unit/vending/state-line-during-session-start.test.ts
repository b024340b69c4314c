/**
 * Lines between C,START and its answer: a state echo (ENABLED) does not end the session being
 * begun (it starts, is saved once, and works); a machine reset in that gap fails the start
 * cleanly (nothing saved, nothing reported, the paymentRef free again). Never a session reported,
 * revived and reported again after a restart.
 */

import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

describe("a state line while C,START waits for its answer", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  afterEach(() => r.close());

  const sessions = () => t.db.prepare("SELECT session_id FROM vending_sessions").all();

  it("an ENABLED echo before the OK: the session starts once and sells", async () => {
    r = await scriptedRig({
      dir: t.dir,
      db: t.db,
      onWrite: (cmd, feed) =>
        cmd.startsWith("C,START")
          ? setTimeout(() => feed("c,STATUS,ENABLED\nc,OK\nc,STATUS,IDLE\n"), 5)
          : setTimeout(() => feed("c,OK\n"), 2),
    });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    const res = await r.reader.beginSession({ credit: 500, paymentRef: "pay-1" });
    await r.until(() => r.reader.readerState === "IDLE", "IDLE");
    expect(r.reader.view().session).toMatchObject({ sessionId: res.sessionId, credit: 500 });
    expect(sessions()).toHaveLength(1);
    expect(r.events("vend.session_ended")).toHaveLength(0);
    r.feed("c,STATUS,VEND,300,3\n");
    await r.until(() => r.events("vend.approved").length === 1, "vend.approved");
    r.feed("c,VEND,SUCCESS,3\nc,VEND,COMPLETE\nc,STATUS,ENABLED\n");
    await r.until(() => r.events("vend.session_ended").length === 1, "vend.session_ended");
    expect(r.events("vend.session_ended")[0]?.data).toMatchObject({ spent: 300, unspent: 200 });
    expect(sessions()).toHaveLength(0);
  });

  it("a reset before the answer fails the start: nothing saved or reported, even after a restart", async () => {
    const answer = (cmd: string, feed: (s: string) => void) =>
      cmd.startsWith("C,START")
        ? setTimeout(() => feed("c,RESET\nc,OK\n"), 5)
        : setTimeout(() => feed("c,OK\n"), 2);
    const sink = new SqliteEventSink(join(t.dir, "events.sqlite"));
    r = await scriptedRig({ dir: t.dir, db: t.db, sink, onWrite: answer });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    await expect(r.reader.beginSession({ credit: 500, paymentRef: "pay-2" })).rejects.toMatchObject({
      code: "QH_VEND_REFUSED",
    });
    expect(r.reader.view().session).toBeNull();
    expect(sessions()).toHaveLength(0);
    r.close();
    // a restart over the same store reports nothing
    r = await scriptedRig({ dir: t.dir, db: t.db, sink, onWrite: answer });
    await new Promise((ok) => setTimeout(ok, 30));
    expect(sink.types().filter((x) => x.startsWith("vend."))).toEqual([]);
    // the reference was never spent: the platform may start again with it
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    expect(r.reader.view().session).toBeNull();
    r.close();
    sink.close();
    r = await scriptedRig({
      dir: t.dir,
      db: t.db,
      onWrite: (_c, feed) => setTimeout(() => feed("c,OK\n"), 2),
    });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    expect(await r.reader.beginSession({ credit: 500, paymentRef: "pay-2" })).toMatchObject({ credit: 500 });
  });
});
