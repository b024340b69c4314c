/**
 * The defrost bypass's bounds on the pure alarm logic (review finding, blocker): a reading above
 * the range never cancels an excursion run in progress, even with a defrost window running; a
 * controller that reports no defrost state gets a command's window again only once a reading is
 * back in range (one window per defrost), never while the zone stays warm.
 */
import { expect, it } from "vitest";
import { emptyAlarmState, ZoneAlarms } from "../../../src/domain/cold/alarms.js";
import { zoneLimits } from "../../../src/domain/cold/settings.js";

it("a reading above the range never cancels an excursion run in progress (ZoneAlarms, a window running)", () => {
  const limits = zoneLimits("frozen", { alarmDelaySeconds: 300, cumulativeLimitSeconds: 0, maxJumpC: 30 });
  const a = new ZoneAlarms("frozen", limits, emptyAlarmState(), 120, () => "a1");
  let s = 0;
  const feed = (t: number, defrosting?: boolean) =>
    a.feed({ mono: s * 1000, wall: s * 1000, temperatureC: t, quality: "ok", defrosting }).map((x) => x.type);
  feed(-18);
  s += 30;
  feed(-18);
  expect(a.defrostStarted()).toBe(true);
  s += 30;
  feed(-41); // below the range during the window: a run starts (never bypassed)
  const out: string[] = [];
  for (let i = 0; i < 10; i++) {
    s += 30;
    out.push(...feed(-12)); // above the range within the ceiling: the run goes on and counts
  }
  expect(out).toEqual(["raised"]);
  expect(a.openAlarms()[0]).toMatchObject({ startAt: 60_000, outSeconds: 300, peakC: -12 });
});

it("a controller that reports no defrost state: a command's window is renewable once a reading is back in range", () => {
  const limits = zoneLimits("frozen", { alarmDelaySeconds: 300, defrostAlarmDelaySeconds: 600 });
  const a = new ZoneAlarms("frozen", limits, emptyAlarmState(), 120, () => "a1");
  let s = 0;
  const feed = (t: number, n: number) => {
    for (let i = 0; i < n; i++) {
      a.feed({ mono: s * 1000, wall: s * 1000, temperatureC: t, quality: "ok" });
      s += 30;
    }
  };
  feed(-18, 2);
  expect(a.defrostStarted()).toBe(true);
  feed(-13, 22); // the window ran out while the zone was still warm
  expect(a.defrostStarted()).toBe(false); // out of range, and this defrost had its window
  feed(-18, 1); // back in range: that defrost is over
  expect(a.defrostStarted()).toBe(true);
  expect(a.defrostBypassLeft()).toBe(600);
});
