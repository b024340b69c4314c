/**
 * Time with no trustworthy reading (sensor fault, controller unreachable, an implausible value) in
 * the rolling window (review finding): an intermittent fault or link that never lasts
 * sensorFaultSeconds/unreachableSeconds in a row still adds up over cumulativeWindowSeconds and
 * raises (rule "cumulative"); a gap is never counted as time in range: after a reading out of
 * range, the time until the next accepted reading counts out of range for the cumulative rule
 * even when that reading is back in range. Synthetic series through the service.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

type Step = number | "fault" | "dead";

/** One sample per 30 s step: a temperature, a probe fault (sentinel) or no answer. */
async function series(steps: Step[]): Promise<void> {
  for (const s of steps) {
    f.ctrl.dead = s === "dead";
    if (s === "fault") f.ctrl.set(0, { quality: "sensor_fault", temperatureC: null });
    else if (typeof s === "number") f.ctrl.set(0, { quality: "ok", temperatureC: s });
    await f.step(30);
  }
}

const kinds = () =>
  f.sink.events().map((e) => `${e.type.split(".").at(-1)}:${e.data.kind}:${e.data.rule ?? ""}`);

describe("sensor fault and unreachable time in the rolling window", () => {
  const zone = () =>
    chilledZone({}, { cumulativeLimitSeconds: 600, cumulativeWindowSeconds: 3600, sensorFaultSeconds: 90 });

  it("an intermittent probe fault (60 s at a time, never 90 in a row) raises sensor_fault once 600 s add up", async () => {
    f = await coldFixture([zone()]);
    await series([4]);
    // each burst: two fault samples (the steps to them: 60 s) then a good reading
    for (let i = 0; i < 4; i++) await series(["fault", "fault", 4]);
    expect(kinds()).toEqual([]); // 4 × 60 = 240 s
    for (let i = 0; i < 5; i++) await series(["fault", "fault", 4]);
    expect(kinds()).toEqual([]); // 540 s
    await series(["fault", "fault"]);
    expect(kinds()).toEqual(["raised:sensor_fault:cumulative"]); // 600 s
    await series([4]);
    expect(kinds()).toEqual(["raised:sensor_fault:cumulative", "cleared:sensor_fault:cumulative"]);
    const raised = f.sink.events("cold.alarm.raised")[0]!;
    expect(raised.data.since).toBe(new Date(Date.parse("2026-01-01T00:00:00.000Z") + 30_000).toISOString());
    // counted afresh after it clears: the next burst alone raises nothing
    await series(["fault", "fault", 4]);
    expect(kinds()).toHaveLength(2);
  });

  it("an intermittent link (one poll unanswered in three) raises unreachable once the window holds 600 s", async () => {
    f = await coldFixture([zone()]);
    await series([4]);
    for (let i = 0; i < 19; i++) await series(["dead", 4, 4]);
    expect(kinds()).toEqual([]); // 19 × 30 = 570 s unanswered
    await series(["dead"]);
    expect(kinds()).toEqual(["raised:unreachable:cumulative"]);
    expect(f.svc.problems().join()).toContain("unreachable");
    await series([4]);
    expect(kinds()).toEqual(["raised:unreachable:cumulative", "cleared:unreachable:cumulative"]);
  });

  it("a clock correction moves the counted fault time's dates (the alarm's since) with it", async () => {
    f = await coldFixture([zone()]);
    await series([4]);
    for (let i = 0; i < 9; i++) await series(["fault", "fault", 4]); // 540 s, first at +30 s
    f.clock.correct(3_600_000); // the clock was an hour behind since before the first reading
    await series(["fault", "fault"]);
    const raised = f.sink.events("cold.alarm.raised")[0]!;
    expect(raised.data).toMatchObject({ kind: "sensor_fault", rule: "cumulative" });
    expect(raised.data.since).toBe(new Date(Date.parse("2026-01-01T01:00:00.000Z") + 30_000).toISOString());
  });

  it("time out of the window no longer counts", async () => {
    f = await coldFixture([zone()]);
    await series([4]);
    for (let i = 0; i < 9; i++) await series(["fault", "fault", 4]); // 540 s
    await series(Array(120).fill(4)); // an hour of good readings: the faults age out of the window
    for (let i = 0; i < 9; i++) await series(["fault", "fault", 4]);
    expect(kinds()).toEqual([]);
  });
});

describe("a gap is never counted as time in range", () => {
  const zone = () => chilledZone({}, { cumulativeLimitSeconds: 600, cumulativeWindowSeconds: 7200 });

  it("out of range, then a gap, then back in range: the gap counts out of range", async () => {
    f = await coldFixture([zone()]);
    await series([4]);
    // 7 °C (the step to it counts: 30 s), 90 s unanswered (60 s in a row: no unreachable alarm),
    // back at 4 °C: the 120 s from the 7 °C reading to the 4 °C one count too, 150 s per burst
    for (let i = 0; i < 3; i++) await series([7, "dead", "dead", "dead", 4]);
    expect(kinds()).toEqual([]); // 3 × 150 = 450 s
    await series([7, "dead", "dead", "dead", 4]);
    expect(kinds()).toEqual([]); // 600 s now, raised at the next reading out of range
    await series([7]);
    expect(kinds()).toEqual(["raised:temperature:cumulative"]);
  });

  it("out of range, implausible values, out of range: the rejected readings' time counts", async () => {
    f = await coldFixture([chilledZone({}, { cumulativeLimitSeconds: 0, alarmDelaySeconds: 300 })]);
    await series([4, 7, 7, 7]); // 60 s out (the single rule counts from the first reading out)
    await series([40, 40]); // two implausible spikes (rejected): no value taken
    await series([7, 7, 7, 7]); // 60 + 90 (the two spikes and the step after) + 90 = 240 s
    await series([7]); // 270 s
    expect(kinds()).toEqual([]);
    await series([7]); // 300 s
    expect(kinds()).toEqual(["raised:temperature:single"]);
  });
});
