/**
 * The zone's retained state document follows the readings, not only the alarms (review finding:
 * the platform's view of the current temperature went stale while no alarm changed): a quiet zone
 * whose temperature moves is republished at most every telemetrySeconds, the readings between two
 * publishes coalesced into the next one; an alarm change is published at once.
 */
import { afterEach, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

const temps = (fx: ColdFixture) =>
  fx.states.map((s) => (s.doc.coldZones as Record<string, { temperatureC: number }>).chilled!.temperatureC);

it("republishes a quiet zone's state as its temperature moves, at most every telemetrySeconds", async () => {
  f = await coldFixture([chilledZone({ pollSeconds: 10 })], { extra: { telemetrySeconds: 60 } });
  const atStart = f.states.length;
  // 10 minutes of readings every 10 s, the temperature creeping within range 3.0 -> 5.9 °C
  for (let i = 0; i < 60; i++) {
    f.ctrl.set(0, { temperatureC: Math.round((3 + i * 0.05) * 10) / 10 });
    await f.step(10);
  }
  const published = f.states.length - atStart;
  expect(published).toBeGreaterThanOrEqual(9); // every 60 s over 600 s
  expect(published).toBeLessThanOrEqual(11); // coalesced: not one per reading (60)
  // the last document carries a recent reading, not the one from the start
  expect(temps(f).at(-1)).toBeGreaterThanOrEqual(5.4);
  expect(f.states.every((s) => s.device === "ctrl-1")).toBe(true);
});

it("publishes an alarm change at once, between two paced publishes", async () => {
  f = await coldFixture([chilledZone({ pollSeconds: 30 }, { doorOpenSeconds: 30 })], {
    extra: { telemetrySeconds: 600 },
  });
  await f.step(30); // first reading: published
  const before = f.states.length;
  f.ctrl.set(0, { doorOpen: true });
  await f.step(30);
  await f.step(30); // door open 30 s: door_open raised
  const last = f.states.at(-1)!.doc.coldZones as Record<string, { inAlarm: boolean }>;
  expect(f.states.length).toBe(before + 1);
  expect(last.chilled!.inAlarm).toBe(true);
});
