/**
 * The site mode service over a real SQLite store: listeners hear each change once committed, in
 * order; a `site.mode_changed` the event store refused (a full disk) is not lost: the history row
 * is its outbox, sent at the next flush, and after a restart (a new service on the same file)
 * the mode and the unsent event are both still there.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { parseModeArgs, SiteModeService } from "../../../src/domain/site/mode.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";
import { useTempDb } from "../../helpers/temp-db.js";

describe("site mode service", () => {
  const t = useTempDb();

  it("commits, tells listeners in order, and sends a refused event again, also after a restart", async () => {
    const clock = new ManualClock(Date.parse("2026-03-01T00:00:00.000Z"));
    const sink = new SqliteEventSink(join(t.dir, "events.db"));
    const make = () =>
      new SiteModeService({ db: t.db, events: sink, clock, log: silentLogger(), gatewayId: "gw-test" });
    const s = make();
    expect(s.current()).toMatchObject({ mode: "normal", reason: null, commandId: null });
    const heard: string[] = [];
    s.onChange((next, prev) => heard.push(`${prev.mode}->${next.mode}`));

    sink.refuse();
    await s.set(parseModeArgs({ mode: "emergency", reason: "flood" }, clock.now()), "cmd-1");
    expect(heard).toEqual(["normal->emergency"]);
    expect(sink.events("site.mode_changed")).toHaveLength(0); // refused: kept in the history

    // a restart: the mode is kept, the event still owed
    sink.accept();
    const again = make();
    expect(again.current()).toMatchObject({ mode: "emergency", reason: "flood", commandId: "cmd-1" });
    await again.flushEvents();
    const sent = sink.events("site.mode_changed");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      device: "gw-test",
      data: { mode: "emergency", previous: "normal", reason: "flood", commandId: "cmd-1" },
    });
    await again.flushEvents();
    expect(sink.events("site.mode_changed")).toHaveLength(1); // sent once
    expect(again.history().map((h) => h.mode)).toEqual(["emergency"]);
  });

  it("refuses bad args with codes", () => {
    const now = Date.parse("2026-03-01T00:00:00.000Z");
    expect(() => parseModeArgs({ mode: "emergency" }, now)).toThrow(
      expect.objectContaining({ code: "QH_COMMAND_INVALID" }),
    );
    expect(() => parseModeArgs({ mode: "emergency", reason: "x", until: "tomorrow" }, now)).toThrow(
      expect.objectContaining({ code: "QH_COMMAND_INVALID" }),
    );
    expect(() =>
      parseModeArgs({ mode: "emergency", reason: "x", until: "2026-02-28T00:00:00Z" }, now),
    ).toThrow(expect.objectContaining({ code: "QH_SITE_UNTIL_PAST" }));
    expect(
      parseModeArgs({ mode: "emergency", reason: " x ", until: "2026-03-02T08:00:00+08:00" }, now),
    ).toEqual({
      mode: "emergency",
      reason: "x",
      until: "2026-03-02T00:00:00.000Z",
    });
  });

  it("a repeat is no change: no history row, no event, no listener, since kept", async () => {
    const clock = new ManualClock(Date.parse("2026-03-01T00:00:00.000Z"));
    const sink = new SqliteEventSink(join(t.dir, "events.db"));
    const s = new SiteModeService({ db: t.db, events: sink, clock, log: silentLogger(), gatewayId: "gw" });
    const heard: string[] = [];
    s.onChange((next, prev) => heard.push(`${prev.mode}->${next.mode}`));
    const run = s.commands()["site.mode"] as NonNullable<ReturnType<typeof s.commands>["site.mode"]>;
    const ctx = (id: string) => ({ id });
    const since0 = s.current().since;

    clock.advance(1000);
    expect(await run({ mode: "normal", reason: "all clear" }, ctx("c1"))).toMatchObject({
      mode: "normal",
      changed: false,
      since: since0,
    });
    expect(s.history()).toHaveLength(0);
    expect(sink.events("site.mode_changed")).toHaveLength(0);

    clock.advance(1000);
    const first = await run({ mode: "emergency", reason: "flood", until: "2026-03-02T00:00:00Z" }, ctx("c2"));
    expect(first).toMatchObject({ mode: "emergency", previous: "normal", changed: true });
    clock.advance(1000);
    const again = await run({ mode: "emergency", reason: "flood", until: "2026-03-02T00:00:00Z" }, ctx("c3"));
    expect(again).toMatchObject({
      mode: "emergency",
      previous: "emergency",
      changed: false,
      since: first.since,
    });
    expect(s.current()).toMatchObject({ since: first.since, commandId: "c2" });
    // another reason is a change (an update of the emergency)
    clock.advance(1000);
    expect(
      await run({ mode: "emergency", reason: "flood, day 2", until: "2026-03-02T00:00:00Z" }, ctx("c4")),
    ).toMatchObject({ changed: true });
    expect(s.history().map((h) => h.commandId)).toEqual(["c4", "c2"]);
    expect(sink.events("site.mode_changed")).toHaveLength(2);
    expect(heard).toEqual(["normal->emergency", "emergency->emergency"]);
  });

  it("sends site.mode_changed before the listeners run: the events they cause come after it", async () => {
    const clock = new ManualClock(Date.parse("2026-03-01T00:00:00.000Z"));
    const sink = new SqliteEventSink(join(t.dir, "events.db"));
    const s = new SiteModeService({ db: t.db, events: sink, clock, log: silentLogger(), gatewayId: "gw" });
    s.onChange((next) => {
      void sink.emit({ device: "gw", type: "test.caused", data: { mode: next.mode } });
    });
    await s.set(parseModeArgs({ mode: "emergency", reason: "flood" }, clock.now()), "c1");
    await s.set(parseModeArgs({ mode: "normal", reason: "over" }, clock.now()), "c2");
    await new Promise((r) => setImmediate(r));
    expect(sink.events().map((e) => `${e.type}:${(e.data as { mode: string }).mode}`)).toEqual([
      "site.mode_changed:emergency",
      "test.caused:emergency",
      "site.mode_changed:normal",
      "test.caused:normal",
    ]);
  });

  it("names each problem by its key path (args.…)", () => {
    const now = Date.parse("2026-03-01T00:00:00.000Z");
    let msg = "";
    try {
      parseModeArgs({ mode: "off", until: "x", extra: 1 }, now);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain("args.extra: not an argument of site.mode");
    expect(msg).toContain("args.mode: must be");
    expect(msg).toContain("args.reason: required");
    expect(msg).not.toMatch(/(^|; )reason:/);
    expect(() =>
      parseModeArgs({ mode: "emergency", reason: "x", until: "2026-02-28T00:00:00Z" }, now),
    ).toThrow(/args\.until: /);
  });
});
