/**
 * A defrost is a normal, expected excursion (review finding: the demo's cold.defrost raised
 * alarms): readings above the range count towards no temperature alarm while the controller
 * reports a defrost, or after cold.defrost started one, and for defrostAlarmDelaySeconds after
 * (controllers' own practice: Carel ir33 d8 "alarm bypass after defrost"). Afterwards, and below
 * the range, alarms run as ever; the zone's state says how long the bypass lasts.
 */
import { afterEach, expect, it } from "vitest";
import { createColdCommands } from "../../../src/domain/cold/commands.js";
import { zoneLimits } from "../../../src/domain/cold/settings.js";
import type { ZoneConfig } from "../../../src/domain/cold/types.js";
import { type ColdFixture, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

const frozen = (delay = 900): ZoneConfig => ({
  id: "frozen",
  kind: "frozen",
  controller: { device: "ctrl-1", channel: 0 },
  compartments: [],
  pollSeconds: 30,
  limits: zoneLimits("frozen", {
    alarmDelaySeconds: 300,
    cumulativeLimitSeconds: 600,
    defrostAlarmDelaySeconds: delay,
  }),
});

async function readings(n: number, temperatureC: number, defrosting = false): Promise<void> {
  f.ctrl.set(0, { temperatureC, defrosting });
  for (let i = 0; i < n; i++) await f.step(30);
}

it("a defrost the controller reports raises nothing; the same rise without one does", async () => {
  f = await coldFixture([frozen()]);
  await readings(2, -18);
  await readings(14, -12, true); // 7 min at -12 °C (max -15) while defrosting
  await readings(10, -17); // recovered, within the bypass
  expect(f.sink.types()).toEqual([]);
  await readings(40, -18); // 20 min: the bypass is over
  await readings(12, -12); // the same rise, no defrost
  expect(f.sink.types()).toEqual(["cold.alarm.raised"]);
});

it("after cold.defrost, a controller that does not report the state gets the bypass for its delay", async () => {
  f = await coldFixture([frozen(600)]);
  await readings(2, -18);
  const cmds = createColdCommands(f.svc);
  await expect(cmds["cold.defrost"]!({ zone: "frozen" }, { id: "d1" })).resolves.toMatchObject({
    defrost: "started",
  });
  const view = f.states.at(-1)!.doc.coldZones as Record<string, { defrostBypassSeconds: number }>;
  expect(view.frozen!.defrostBypassSeconds).toBe(600);
  await readings(8, -13); // 4 min above the range, the state not mapped (reads no defrost)
  expect(f.sink.types()).toEqual(["cold.defrost.started"]);
  await readings(30, -13); // past the 600 s bypass: 300 s out of range in a row raises
  expect(f.sink.types()).toEqual(["cold.defrost.started", "cold.alarm.raised"]);
});

it("a reading below the range is not bypassed (a defrost only warms)", async () => {
  f = await coldFixture([frozen()]);
  await readings(2, -18);
  await readings(12, -45, true);
  expect(f.sink.types()).toEqual(["cold.alarm.raised"]);
});

// ── review finding (blocker): the bypass had no ceiling, restarted on every cold.defrost,
// applied to a zone already warm or in alarm, and wiped an excursion run in progress ──

type ZoneView = { defrostBypassSeconds: number; inAlarm: boolean };
const view = (): ZoneView => f.svc.zoneView("frozen") as unknown as ZoneView;
const defrostCmd = async (id: string) =>
  createColdCommands(f.svc)["cold.defrost"]!({ zone: "frozen" }, { id });
const raised = () => f.sink.events("cold.alarm.raised").map((e) => e.data as Record<string, unknown>);

it("ceiling: cold.defrost then a compressor failure: above max + defrostMaxRiseC (4) counts, the alarm raises", async () => {
  f = await coldFixture([frozen(1800)]);
  await readings(2, -18);
  await expect(defrostCmd("d1")).resolves.toMatchObject({ defrost: "started" });
  await readings(2, -16);
  await readings(2, -13);
  await readings(2, -11); // max -15 + 4: still a defrost's rise, bypassed
  expect(f.sink.types()).toEqual(["cold.defrost.started"]);
  await readings(12, -9.7); // the reviewer's reading: above the ceiling, 330 s
  expect(f.sink.types()).toEqual(["cold.defrost.started", "cold.alarm.raised"]);
  expect(raised()[0]).toMatchObject({ rule: "single", peakC: -9.7 });
  // the reading above the ceiling ended the bypass: deposits are refused on the alarm
  expect(view()).toMatchObject({ inAlarm: true, defrostBypassSeconds: 0 });
});

it("ceiling: a zone's own defrostMaxRiseC applies (2 °C: a -12 °C defrost reading counts)", async () => {
  const z = frozen();
  z.limits = { ...z.limits, defrostMaxRiseC: 2 };
  f = await coldFixture([z]);
  await readings(2, -18);
  await readings(12, -12, true);
  expect(f.sink.types()).toEqual(["cold.alarm.raised"]);
});

it("no bypass for a defrost (command or flag) that begins while the zone is already out of range", async () => {
  f = await coldFixture([frozen(1800)]);
  await readings(2, -18);
  await readings(4, -14); // out of range: a run of 90 s
  await defrostCmd("d1");
  expect(view().defrostBypassSeconds).toBe(0);
  await readings(4, -13, true); // the controller now defrosts too: still counts
  expect(view().defrostBypassSeconds).toBe(0);
  await readings(4, -13);
  const r = raised();
  expect(r).toHaveLength(1);
  // dated from the run's first reading, which no defrost wiped out
  expect(r[0]).toMatchObject({ rule: "single", peakC: -13, since: "2026-01-01T00:01:00.000Z" });
});

it("a defrost during an open alarm: the breach keeps the true peak and minutes out of range", async () => {
  f = await coldFixture([frozen(1800)]);
  await readings(2, -18);
  await readings(12, -14); // raised after 300 s
  expect(f.sink.types()).toEqual(["cold.alarm.raised"]);
  await defrostCmd("d1");
  expect(view().defrostBypassSeconds).toBe(0);
  await readings(4, -11.5, true); // the defrost warms the air further: counted
  await readings(1, -18); // back in the clear band
  const cleared = f.sink.events("cold.alarm.cleared")[0]!.data as Record<string, unknown>;
  // 11 steps at -14 (330 s) and 4 at -11.5 (120 s) out of range
  expect(cleared).toMatchObject({ peakC: -11.5, minutesOutOfRange: 7.5 });
});

it("a repeated cold.defrost does not extend a running window", async () => {
  f = await coldFixture([frozen(600)]);
  await readings(2, -18);
  await defrostCmd("d1");
  expect(view().defrostBypassSeconds).toBe(600);
  await readings(10, -18);
  await expect(defrostCmd("d2")).resolves.toMatchObject({ defrost: "started" });
  expect(view().defrostBypassSeconds).toBe(300); // not renewed to 600
  await readings(22, -13); // the window ends 300 s in; 300 s out of range after it raises
  expect(f.sink.types()).toContain("cold.alarm.raised");
});

it("a command's window the controller never confirms ends and is not renewable by another command", async () => {
  f = await coldFixture([frozen(600)]);
  await readings(2, -18);
  await defrostCmd("d1");
  await readings(22, -18); // the controller reads no defrost; the window runs out
  expect(view().defrostBypassSeconds).toBe(0);
  await defrostCmd("d2");
  expect(view().defrostBypassSeconds).toBe(0);
  await readings(12, -13);
  expect(f.sink.types().filter((t) => t === "cold.alarm.raised")).toHaveLength(1);
});

it("the controller's flag keeps the bypass until the delay after the defrost ends; a new defrost renews it", async () => {
  f = await coldFixture([frozen(600)]);
  await readings(2, -18);
  await defrostCmd("d1");
  await readings(22, -18);
  await defrostCmd("d2"); // spent: nothing
  expect(view().defrostBypassSeconds).toBe(0);
  await readings(1, -18, true); // the controller reports a (new) defrost: a window again
  expect(view().defrostBypassSeconds).toBe(600);
  await readings(40, -13, true); // 20 min defrosting, longer than the delay: kept by the flag
  await readings(1, -13); // the defrost ended: 600 s after the last reading that said defrosting
  expect(view().defrostBypassSeconds).toBe(570);
  await defrostCmd("d3");
  expect(view().defrostBypassSeconds).toBe(570); // a command never extends it
  expect(f.sink.types()).not.toContain("cold.alarm.raised");
  await readings(40, -18);
  await defrostCmd("d4"); // that defrost had its window
  expect(view().defrostBypassSeconds).toBe(0);
});
