/**
 * The gateway's clock (TimeKeeper) over a ManualClock source: `advance` lets time flow (wall and
 * monotonic), `step` moves only the wall clock, as NTP or `date -s` does. The high-water mark lives
 * in a real SQLite file. What the OS says about NTP is the test's answer (`probe`): the machine's
 * clock and NTP daemon are not ours to step.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { SyncReading } from "../../../src/core/time-sync.js";
import { type SyncMode, TimeKeeper } from "../../../src/core/timekeeper.js";
import { ClockStateTable } from "../../../src/store/clock-state.js";
import { useTempDb } from "../../helpers/temp-db.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T = Date.parse("2026-11-30T08:00:00.000Z");

describe("the gateway's clock", () => {
  const t = useTempDb();

  function keeper(o: { at: number; mode?: SyncMode; ntp?: boolean | undefined }) {
    const source = new ManualClock(o.at);
    const os: { synced: boolean | undefined } = { synced: "ntp" in o ? o.ntp : true };
    const store = new ClockStateTable(t.db);
    const k = new TimeKeeper({
      mode: o.mode ?? "auto",
      source,
      store,
      log: silentLogger(),
      probe: async (): Promise<SyncReading> => ({ synced: os.synced, via: "timedatectl" }),
    });
    const corrections: Array<[number, number]> = [];
    k.onCorrection((d, since) => corrections.push([d, since]));
    return { k, source, os, store, corrections };
  }

  it("holds a forward step back while unsynchronised and adopts it, once, when NTP is in sync", async () => {
    const { k, source, os, corrections } = keeper({ at: T - 3 * DAY, ntp: false });
    await k.start();
    expect(k.synced()).toBe(false);
    const before = k.now();
    source.advance(5_000);
    source.step(3 * DAY);
    expect(k.now()).toBe(before + 5_000); // no jump: durations measured in now() stay true
    await k.check();
    expect(k.synced()).toBe(false);
    expect(corrections).toEqual([]);
    os.synced = true;
    await k.check();
    expect(k.synced()).toBe(true);
    // what was recorded since this run started (on the clock 3 days behind) moves
    expect(corrections).toEqual([[3 * DAY, T - 3 * DAY]]);
    expect(k.now()).toBe(source.now());
    expect(k.status()).toMatchObject({ synced: true, offsetMs: 0, lastCorrection: { deltaMs: 3 * DAY } });
    k.stop();
  });

  it("absorbs a backward step on a synchronised clock and announces it, so durations hold", async () => {
    const { k, source, corrections } = keeper({ at: T });
    await k.start();
    source.advance(1_000);
    source.step(-HOUR);
    const seen = k.now();
    expect(seen).toBe(T + 1_000); // not an hour back before the OS has confirmed
    await k.check();
    expect(corrections).toEqual([[-HOUR, Number.NEGATIVE_INFINITY]]);
    expect(k.now()).toBe(T + 1_000 - HOUR);
    k.stop();
  });

  it("with synchronized: yes adopts a step at once", async () => {
    const yes = keeper({ at: T, mode: "yes" });
    await yes.k.start();
    yes.source.step(2 * HOUR);
    expect(yes.k.now()).toBe(T + 2 * HOUR);
    expect(yes.corrections).toEqual([[2 * HOUR, Number.NEGATIVE_INFINITY]]);
    yes.k.stop();
  });

  it("with synchronized: no never adopts a step and stays unsynced", async () => {
    const no = keeper({ at: T, mode: "no", ntp: true });
    await no.k.start();
    no.source.step(2 * HOUR);
    expect(no.k.now()).toBe(T);
    await no.k.check();
    expect(no.k.now()).toBe(T);
    expect(no.corrections).toEqual([]);
    expect(no.k.status()).toMatchObject({ synced: false, via: "config", offsetMs: -2 * HOUR });
    no.k.stop();
  });

  it("never runs before the last recorded time: a wall clock behind it is known wrong", async () => {
    new ClockStateTable(t.db).save({ at: T, synced: true });
    const { k, source, os, corrections } = keeper({ at: T - 3 * DAY, ntp: false });
    await k.start();
    expect(k.synced()).toBe(false);
    expect(k.now()).toBe(T);
    expect(k.status()).toMatchObject({ behindHighWater: true, offsetMs: 3 * DAY });
    // NTP steps the wall clock to the real time (1 h after the mark) and is in sync
    source.step(3 * DAY + HOUR);
    expect(k.now()).toBe(T);
    os.synced = true;
    await k.check();
    expect(corrections).toEqual([[HOUR, T]]); // only what this run recorded moves
    expect(k.now()).toBe(T + HOUR);
    expect(k.status()).toMatchObject({ synced: true, behindHighWater: false });
    k.stop();
  });

  it("trusts a synchronised OS over a mark recorded by a clock that was ahead", async () => {
    new ClockStateTable(t.db).save({ at: T + DAY, synced: true });
    const { k } = keeper({ at: T, ntp: true });
    await k.start();
    expect(k.synced()).toBe(true);
    expect(k.now()).toBe(T);
    k.stop();
  });

  it("with synchronized: yes trusts the clock over a mark recorded ahead of it, flagged", async () => {
    new ClockStateTable(t.db).save({ at: T + 3 * DAY, synced: true });
    const { k } = keeper({ at: T, mode: "yes" });
    await k.start();
    expect(k.synced()).toBe(true);
    expect(k.now()).toBe(T); // not 3 days ahead until the wall clock catches up
    expect(k.status()).toMatchObject({ behindHighWater: false, recordedAheadMs: 3 * DAY });
    k.stop();
  });

  it("unsynced from a mark ahead, then synchronised: steps back, flagged; judges old deadlines only then", async () => {
    new ClockStateTable(t.db).save({ at: T + 3 * DAY, synced: true });
    const { k, os, corrections } = keeper({ at: T, ntp: false });
    await k.start();
    expect(k.now()).toBe(T + 3 * DAY);
    expect(k.unsyncedSince()).toBe(T + 3 * DAY); // what came before was recorded on a right clock
    os.synced = true;
    await k.check();
    expect(corrections).toEqual([[-3 * DAY, T + 3 * DAY]]);
    expect(k.now()).toBe(T);
    expect(k.unsyncedSince()).toBeUndefined();
    expect(k.status()).toMatchObject({ synced: true, recordedAheadMs: 3 * DAY });
    k.stop();
  });

  it("re-anchors a previous run's unsynchronised deadlines when it starts synchronised", async () => {
    new ClockStateTable(t.db).save({ at: T - 3 * DAY, synced: false, frameStart: T - 4 * DAY });
    const { k, corrections } = keeper({ at: T, ntp: true });
    await k.start();
    expect(corrections).toEqual([[3 * DAY, T - 4 * DAY]]);
    expect(k.now()).toBe(T);
    k.stop();
  });

  it("records the high-water mark and whether the clock was synchronised", async () => {
    const { k, source, store } = keeper({ at: T, ntp: false });
    await k.start();
    source.advance(90_000);
    k.stop();
    expect(store.load()).toEqual({ at: T + 90_000, synced: false, frameStart: T });
  });

  it("counts an OS that cannot tell (no systemd) as synchronised", async () => {
    const { k } = keeper({ at: T, ntp: undefined });
    await k.start();
    expect(k.synced()).toBe(true);
    expect(k.status()).toMatchObject({ synced: true, via: "timedatectl" });
    k.stop();
  });
});
