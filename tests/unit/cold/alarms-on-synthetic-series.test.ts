/**
 * The alarm logic on synthetic series, through the service (record, alarm state and events in
 * SQLite): single-event delay, flapping at the limit (hysteresis), a gap, a restart in the middle
 * of an excursion, the wall clock stepping back a day, the clock unsynchronised at boot,
 * cumulative time, door left open, sensor faults and an unreachable controller.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

/** Feeds one temperature per 30 s step. */
async function series(temps: Array<number | null>): Promise<void> {
  for (const t of temps) {
    if (t === null) f.ctrl.set(0, { quality: "sensor_fault", temperatureC: null });
    else f.ctrl.set(0, { quality: "ok", temperatureC: t });
    await f.step(30);
  }
}

const types = () => f.sink.types();

describe("single-event alarm with hysteresis", () => {
  it("raises after the delay out of range, not before, with the readings that caused it", async () => {
    f = await coldFixture([chilledZone()]); // 2..6 °C, 300 s delay
    await series([4, 4, 7, 7, 7, 7, 7, 7]); // out of range from the 3rd reading: 5 steps = 150 s
    expect(types()).toEqual([]);
    await series([7.5, 8, 8, 8, 8]); // 10 steps out of range = 300 s at the 13th reading
    expect(types()).toEqual(["cold.alarm.raised"]);
    const raised = f.sink.events("cold.alarm.raised")[0]!;
    expect(raised.device).toBe("ctrl-1");
    expect(raised.data).toMatchObject({ zone: "chilled", kind: "temperature", rule: "single", maxC: 6 });
    expect(raised.data.since).toBe(new Date(Date.parse("2026-01-01T00:00:00.000Z") + 60_000).toISOString());
    const readings = raised.data.readings as Array<{ temperatureC: number }>;
    expect(readings[0]?.temperatureC).toBe(7);
    expect(readings.at(-1)?.temperatureC).toBe(8);
    expect(raised.data.peakC).toBe(8);
  });

  it("a reading back in range before the delay resets the count", async () => {
    f = await coldFixture([chilledZone()]);
    await series([7, 7, 7, 7, 7, 7, 7, 7, 7, 5, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
    expect(types()).toEqual([]); // 8 steps, reset, 8 steps: never 10 in a row
    await series([7, 7]);
    expect(types()).toEqual(["cold.alarm.raised"]);
  });

  it("flapping at the limit raises once and clears once, only below max − hysteresis", async () => {
    f = await coldFixture([chilledZone()]);
    await series(Array(12).fill(6.5));
    expect(types()).toEqual(["cold.alarm.raised"]);
    // hovering around the limit: 5.9 is in range but inside the hysteresis band (≤ 5.5 clears)
    await series([5.9, 6.1, 5.9, 6.1, 5.8, 6.2, 5.6, 6.1, 5.9]);
    expect(types()).toEqual(["cold.alarm.raised"]);
    expect(f.svc.openAlarms("chilled").map((a) => a.kind)).toEqual(["temperature"]);
    await series([5.5]);
    expect(types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared"]);
    const [raised, cleared] = f.sink.events();
    expect(cleared?.data.alarmId).toBe(raised?.data.alarmId);
    expect(cleared?.data.peakC).toBe(6.5);
    // 11 steps out of range before the raise plus the 4 readings above 6 after it
    expect(cleared?.data.minutesOutOfRange).toBeGreaterThan(5);
    await series([6.1, 5.9, 6.1, 5.9]);
    expect(types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared"]);
  });
});

describe("gaps, sensor faults and an unreachable controller", () => {
  it("a gap out of range on both sides counts towards the delay, does not reset it, and is recorded as a gap", async () => {
    f = await coldFixture([chilledZone()]);
    await series([7, 7, 7, 7, 7, 7]); // 150 s
    f.ctrl.dead = true;
    for (let i = 0; i < 2; i++) await f.step(30); // 60 s unknown: < unreachableSeconds 90
    f.ctrl.dead = false;
    await series([7, 7]); // 150 + 90 (the gap and the step after it) + 30 = 270 s
    expect(types()).toEqual([]);
    await series([7, 7, 7]); // 300 s at the 3rd reading after the gap
    expect(types()).toEqual(["cold.alarm.raised"]);
    const rows: Array<{ temperatureC: number | null; quality: string }> = [];
    await f.svc.record.forEach("chilled", 0, Number.MAX_SAFE_INTEGER, (r) => rows.push(r));
    expect(rows.slice(6, 8)).toEqual([
      expect.objectContaining({ temperatureC: null, quality: "unreachable" }),
      expect.objectContaining({ temperatureC: null, quality: "unreachable" }),
    ]);
    expect(rows.map((r) => r.temperatureC).filter((t) => t !== null)).toEqual(Array(11).fill(7));
  });

  it("the controller silent for unreachableSeconds raises unreachable; an answer clears it", async () => {
    f = await coldFixture([chilledZone()]);
    await series([4]);
    f.ctrl.dead = true;
    for (let i = 0; i < 4; i++) await f.step(30); // 0, 30, 60, 90 s
    expect(types()).toEqual(["cold.alarm.raised"]);
    expect(f.sink.events()[0]?.data.kind).toBe("unreachable");
    f.ctrl.dead = false;
    await series([4]);
    expect(types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared"]);
  });

  it("a sentinel (sensor fault) and an implausible jump raise sensor_fault; three agreeing readings are believed", async () => {
    f = await coldFixture([chilledZone()]);
    await series([4, null, null, null]); // fault for 0, 30, 60 s
    expect(f.sink.events().map((e) => e.data.kind)).toEqual(["sensor_fault"]);
    await series([4]);
    expect(types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared"]);
    await series([40, 4, 4]); // a lone spike of +36 °C: not a temperature, a fault of one reading
    expect(types()).toHaveLength(2);
    expect(f.svc.openAlarms("chilled")).toEqual([]);
    await series([-25, -25, -25]); // the probe moved for real (three agreeing): believed
    expect(f.svc.openAlarms("chilled")).toEqual([]);
    const rows: Array<{ temperatureC: number | null }> = [];
    await f.svc.record.forEach("chilled", 0, Number.MAX_SAFE_INTEGER, (r) => rows.push(r));
    expect(rows.map((r) => r.temperatureC)).toContain(40); // the record keeps what was read
  });

  it("a door left open raises door_open after doorOpenSeconds and clears when it closes", async () => {
    f = await coldFixture([chilledZone()]);
    f.ctrl.set(0, { doorOpen: true });
    await series([4, 4, 4, 4]); // 0, 30, 60, 90 s open
    expect(types()).toEqual([]);
    await series([4]);
    expect(f.sink.events().map((e) => e.data.kind)).toEqual(["door_open"]);
    f.ctrl.set(0, { doorOpen: false });
    await series([4]);
    expect(types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared"]);
  });
});

describe("cumulative alarm", () => {
  it("adds up time out of range within the rolling window", async () => {
    f = await coldFixture([chilledZone({}, { cumulativeLimitSeconds: 600, cumulativeWindowSeconds: 3600 })]);
    // bursts of 4 readings out of range (120 s each: the step to the first counts) with one in
    // range between: never 300 s in a row
    await series([4]);
    for (let i = 0; i < 4; i++) await series([7, 7, 7, 7, 4]);
    expect(types()).toEqual([]); // 4 × 120 = 480 s
    await series([7, 7, 7]);
    expect(types()).toEqual([]); // 570 s
    await series([7]);
    expect(types()).toEqual(["cold.alarm.raised"]);
    expect(f.sink.events()[0]?.data).toMatchObject({ kind: "temperature", rule: "cumulative" });
    await series([4]);
    expect(types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared"]);
    // the count starts afresh after a clear
    await series([7, 7, 7, 7, 4]);
    expect(types()).toHaveLength(2);
  });
});

describe("restarts and clocks", () => {
  it("an excursion spanning a restart is one alarm: raised once before, cleared once after", async () => {
    f = await coldFixture([chilledZone()]);
    await series(Array(12).fill(8));
    expect(types()).toEqual(["cold.alarm.raised"]);
    await f.restart();
    expect(f.svc.openAlarms("chilled")).toHaveLength(1);
    await series([8, 8, 8]);
    expect(types()).toEqual(["cold.alarm.raised"]);
    await series([4]);
    expect(types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared"]);
    const [raised, cleared] = f.sink.events();
    expect(cleared?.data.alarmId).toBe(raised?.data.alarmId);
    expect(cleared?.data.since).toBe(raised?.data.since);
  });

  it("the time counted towards an alarm survives a restart (pending excursion)", async () => {
    f = await coldFixture([chilledZone()]);
    await series([7, 7, 7, 7, 7, 7, 7]); // 180 s counted
    await f.restart();
    await series([7, 7, 7, 7]); // the first after the restart counts nothing: 180 + 90 = 270
    expect(types()).toEqual([]);
    await series([7]);
    expect(types()).toEqual(["cold.alarm.raised"]);
  });

  it("the wall clock stepping back a day changes no duration; readings are flagged and kept in order", async () => {
    f = await coldFixture([chilledZone()]);
    await series([7, 7, 7, 7, 7]); // 120 s
    f.clock.step(-86_400_000);
    await series([7, 7, 7, 7, 7]); // 270 s
    expect(types()).toEqual([]);
    await series([7]);
    expect(types()).toEqual(["cold.alarm.raised"]);
    const rows: Array<{ seq: number; ts: number; clockUnsynced: boolean }> = [];
    await f.svc.record.forEach("chilled", 0, Number.MAX_SAFE_INTEGER, (r) => rows.push(r));
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rows.slice(0, 5).every((r) => !r.clockUnsynced)).toBe(true);
    // dated before readings already recorded: flagged, never reordered nor dropped
    expect(rows.slice(5).every((r) => r.clockUnsynced)).toBe(true);
    expect(rows[5]!.ts).toBeLessThan(rows[4]!.ts);
  });

  it("a clock correction moves the open excursion's times with it (the breach names corrected times)", async () => {
    // started (subscribed to corrections), its own timer far away: the test polls
    f = await coldFixture([chilledZone()], { extra: { firstPollMs: 3_600_000 } });
    await f.svc.start();
    const t0 = f.clock.now();
    await series(Array(12).fill(8));
    expect(f.svc.openAlarms("chilled")[0]!.startAt).toBe(t0);
    f.clock.correct(3_600_000); // the clock was an hour slow
    expect(f.svc.openAlarms("chilled")[0]!.startAt).toBe(t0 + 3_600_000);
    await series([4]);
    expect(f.sink.events("cold.alarm.cleared")[0]?.data.since).toBe(new Date(t0 + 3_600_000).toISOString());
  });

  it("readings taken while the clock is unsynchronised at boot are flagged; alarms still run", async () => {
    f = await coldFixture([chilledZone()]);
    f.clock.setSynced(false);
    f.clock.set(Date.parse("1970-01-01T00:10:00Z")); // a Pi without a battery clock
    await series(Array(11).fill(7));
    expect(types()).toEqual(["cold.alarm.raised"]);
    f.clock.setSynced(true);
    f.clock.set(Date.parse("2026-03-01T12:00:00Z"));
    await series([4]);
    const rows: Array<{ clockUnsynced: boolean; ts: number }> = [];
    await f.svc.record.forEach("chilled", 0, Number.MAX_SAFE_INTEGER, (r) => rows.push(r));
    expect(rows).toHaveLength(12);
    expect(rows.slice(0, 11).every((r) => r.clockUnsynced)).toBe(true);
    expect(rows[11]).toMatchObject({ clockUnsynced: false, ts: Date.parse("2026-03-01T12:00:00Z") });
  });
});
