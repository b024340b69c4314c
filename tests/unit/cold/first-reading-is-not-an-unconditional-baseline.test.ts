/**
 * The very first reading of a zone is not taken as the plausibility baseline unconditionally
 * (review finding): a probe glitch of 85 °C at start in a 2..6 °C zone must not open an
 * excursion (nor make the true readings after it look like jumps); a value confirmed by three
 * agreeing readings is believed.
 */
import { afterEach, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

it("a wild first value is held, the true readings after it are believed at once", async () => {
  f = await coldFixture([chilledZone({}, { cumulativeLimitSeconds: 3600 })]);
  f.ctrl.set(0, { temperatureC: 85 });
  await f.step();
  f.ctrl.set(0, { temperatureC: 4 });
  await f.step();
  expect(f.svc.excursionStart("chilled")).toBeUndefined();
  for (let i = 0; i < 5; i++) await f.step();
  expect(f.sink.types()).toEqual([]);
  expect(f.svc.excursionStart("chilled")).toBeUndefined();
});

it("a first value far out of range that three readings confirm is believed", async () => {
  f = await coldFixture([chilledZone({}, { cumulativeLimitSeconds: 3600 })]);
  f.ctrl.set(0, { temperatureC: 20 }); // a zone switched on warm
  await f.step();
  await f.step();
  expect(f.svc.excursionStart("chilled")).toBeUndefined();
  await f.step();
  expect(f.svc.excursionStart("chilled")).toBeDefined();
});
