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
});
