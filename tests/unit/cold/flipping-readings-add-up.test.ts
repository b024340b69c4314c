/**
 * Readings that flip back and forth across the limit (7, 5, 7, 5 … °C in a 2..6 °C zone) must add
 * up under the cumulative rule: each reading out of range counts the step to it, even when the
 * reading before it was in range (review finding: they counted nothing and never alarmed).
 */
import { afterEach, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

it("alternating out/in readings raise the cumulative alarm once 600 s out of range are counted", async () => {
  f = await coldFixture([chilledZone({}, { cumulativeLimitSeconds: 600, cumulativeWindowSeconds: 3600 })]);
  await f.step();
  for (let i = 0; i < 19; i++) {
    f.ctrl.set(0, { temperatureC: 7 });
    await f.step();
    f.ctrl.set(0, { temperatureC: 5 });
    await f.step();
  }
  expect(f.sink.types()).toEqual([]); // 19 × 30 s = 570 s
  f.ctrl.set(0, { temperatureC: 7 });
  await f.step();
  expect(f.sink.types()).toEqual(["cold.alarm.raised"]);
  expect(f.sink.events()[0]?.data).toMatchObject({ kind: "temperature", rule: "cumulative" });
});
