/**
 * osTimeSyncProbe asks timedatectl (a child process: a fork of the whole gateway, which holds its
 * event loop for milliseconds) only when its last answer is old; the timesyncd marker is a stat.
 * `ask` stands in for timedatectl (our own seam; the real child process is covered by
 * time-sync-probe.test.ts), `mono` for the monotonic clock.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { osTimeSyncProbe, type SyncReading, TIMEDATECTL_REFRESH } from "../../../src/core/time-sync.js";
import { tempDir } from "../../helpers/gateway.js";

function setUp(answer: SyncReading, marker = "/nonexistent/quarterhour/synchronized") {
  const s = { t: 0, asks: 0, answer };
  const probe = osTimeSyncProbe({
    marker,
    mono: () => s.t,
    ask: async () => {
      s.asks++;
      return s.answer;
    },
  });
  return { s, probe };
}

const NONE: SyncReading = { synced: undefined, via: "none" };
const YES: SyncReading = { synced: true, via: "timedatectl" };
const NO: SyncReading = { synced: false, via: "timedatectl" };

describe("osTimeSyncProbe: timedatectl is asked only when its last answer is old", () => {
  it("'cannot tell' stands 60 s, then 120 s, doubling up to 30 min", async () => {
    const { s, probe } = setUp(NONE);
    expect(await probe()).toEqual(NONE);
    expect(s.asks).toBe(1);
    s.t = 30_000; // the keeper's next periodic check
    expect(await probe()).toEqual(NONE);
    expect(s.asks).toBe(1);
    s.t = 60_000;
    await probe();
    expect(s.asks).toBe(2);
    s.t = 150_000; // 90 s later: the second "cannot tell" stands 120 s
    await probe();
    expect(s.asks).toBe(2);
    s.t = 180_000;
    await probe();
    expect(s.asks).toBe(3);
    for (let i = 0; i < 20; i++) {
      s.t += TIMEDATECTL_REFRESH.none.max;
      await probe();
    }
    expect(s.asks).toBe(23); // capped: one ask per 30 min at most, never fewer
  });

  it("'synchronised' stands 10 min; a fresh check (after a clock step) asks at once", async () => {
    const { s, probe } = setUp(YES);
    await probe();
    s.t = 599_000;
    expect(await probe()).toEqual(YES);
    expect(s.asks).toBe(1);
    s.answer = NO; // the clock was stepped and the NTP client lost sync
    expect(await probe(true)).toEqual(NO);
    expect(s.asks).toBe(2);
    s.t = 599_000 + 30_000; // a "no" stands 30 s at first: noticed again at the next check
    expect(await probe()).toEqual(NO);
    expect(s.asks).toBe(3);
  });

  it("a changed answer starts the back-off again", async () => {
    const { s, probe } = setUp(NO);
    for (const t of [0, 30_000, 90_000]) {
      s.t = t;
      await probe();
    }
    expect(s.asks).toBe(3); // 30 s, then 60 s
    s.answer = NONE;
    s.t = 210_000; // 120 s after: the third "no" stood 120 s
    await probe();
    expect(s.asks).toBe(4);
    s.t = 270_000; // the first "cannot tell" stands 60 s, not 240 s
    await probe();
    expect(s.asks).toBe(5);
  });

  it("timesyncd's marker answers without asking timedatectl", async () => {
    const dir = tempDir();
    const marker = join(dir, "synchronized");
    writeFileSync(marker, "");
    try {
      const { s, probe } = setUp(NONE, marker);
      expect(await probe()).toEqual({ synced: true, via: "timesyncd" });
      expect(await probe(true)).toEqual({ synced: true, via: "timesyncd" });
      expect(s.asks).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
