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
