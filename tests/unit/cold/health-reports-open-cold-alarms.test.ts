/**
 * /health says what the cold chain is going through (review finding: it said ok with zones in
 * alarm): a temperature or door alarm is a warning (200, status ok: the chain is watched); a sensor
 * fault or an unreachable controller is a problem (503: the zone's temperature cannot be known).
 * The service's lines go through the /health body builder the API serves.
 */
import { afterEach, expect, it } from "vitest";
import { healthReport } from "../../../src/api/app.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

const health = () =>
  healthReport({
    uplinkConnected: () => true,
    outboxPending: () => 0,
    problems: () => f.svc.problems(),
    warnings: () => f.svc.warnings(),
  });

it("a temperature alarm is a warning, a sensor fault a problem; both go when they clear", async () => {
  f = await coldFixture([chilledZone()]);
  await f.step();
  expect(health()).toMatchObject({ status: "ok", problems: [], warnings: [] });
  f.ctrl.set(0, { temperatureC: 9 });
  for (let i = 0; i < 12; i++) await f.step();
  const h = health();
  expect(h.status).toBe("ok");
  expect(h.warnings).toEqual([
    expect.stringMatching(/^cold zone chilled in alarm: temperature \(single\) since /),
  ]);
  f.ctrl.set(0, { quality: "sensor_fault", temperatureC: null });
  for (let i = 0; i < 4; i++) await f.step();
  expect(health()).toMatchObject({
    status: "degraded",
    problems: [expect.stringMatching(/^cold zone chilled: sensor fault since /)],
  });
  f.ctrl.set(0, { quality: "ok", temperatureC: 4 });
  await f.step();
  expect(health()).toMatchObject({ status: "ok", problems: [], warnings: [] });
});

it("an unreachable controller is a problem", async () => {
  f = await coldFixture([chilledZone()]);
  await f.step();
  f.ctrl.dead = true;
  for (let i = 0; i < 5; i++) await f.step();
  expect(health()).toMatchObject({
    status: "degraded",
    problems: [expect.stringMatching(/^cold zone chilled: unreachable since /)],
  });
});
