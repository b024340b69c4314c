/**
 * A power cut that stops the controller and the compressor together (or a probe that drops out)
 * leaves a gap in the record; when readings resume out of range, the excursion is dated from the
 * last good reading before the gap, the gap counts as time out of range, and the parcels inside
 * during it are named in the breach (review finding: the outage raised only `unreachable`).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ParcelLocator } from "../../../src/domain/cold/parcels.js";
import { zoneLimits } from "../../../src/domain/cold/settings.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

const frozen = (compartments = [] as { device: string; compartment: string }[]) =>
  chilledZone({
    id: "frozen",
    kind: "frozen",
    compartments,
    limits: zoneLimits("frozen", { alarmDelaySeconds: 900, cumulativeLimitSeconds: 0 }),
  });

/** A locator over a list of stays (in, out wall ms). */
function stays(list: { parcelId: string; in: number; out?: number }[]): ParcelLocator {
  return {
    presentSince: (_c, since) =>
      list
        .filter((p) => p.out === undefined || p.out >= since)
        .map((p) => ({ parcelId: p.parcelId, device: "cold-a", compartment: "F01" })),
  };
}

describe("readings resuming out of range after a gap", () => {
  it("a 2 h outage back at −5 °C raises the temperature alarm at once, dated from the gap's start, and names the parcels", async () => {
    const list: { parcelId: string; in: number; out?: number }[] = [];
    f = await coldFixture([frozen([{ device: "cold-a", compartment: "F01" }])], { parcels: stays(list) });
    list.push({ parcelId: "P-in", in: f.clock.now() });
    f.ctrl.set(0, { temperatureC: -18 });
    for (let i = 0; i < 20; i++) await f.step();
    const lastGood = f.clock.now() - 30_000;
    f.ctrl.dead = true;
    for (let i = 0; i < 240; i++) {
      if (i === 60) list.push({ parcelId: "P-gone", in: lastGood - 1000, out: f.clock.now() }); // picked up in the gap
      await f.step();
    }
    expect(f.sink.types()).toEqual(["cold.alarm.raised"]); // unreachable
    f.ctrl.dead = false;
    f.ctrl.set(0, { temperatureC: -5 });
    await f.step();
    expect(f.sink.types()).toEqual(["cold.alarm.raised", "cold.alarm.cleared", "cold.alarm.raised"]);
    const raised = f.sink.events("cold.alarm.raised")[1]!.data;
    expect(raised).toMatchObject({
      kind: "temperature",
      rule: "single",
      since: new Date(lastGood).toISOString(),
    });
    expect(raised.minutesOutOfRange as number).toBeGreaterThanOrEqual(120);
    // cools down within the alarm delay: the alarm still clears with the breach
    for (let t = -6; t >= -18; t -= 1) {
      f.ctrl.set(0, { temperatureC: t });
      await f.step();
    }
    const types = f.sink.types();
    expect(types.slice(3)).toEqual([
      "parcel.cold_chain_breach",
      "parcel.cold_chain_breach",
      "cold.alarm.cleared",
    ]);
    const breaches = f.sink.events("parcel.cold_chain_breach").map((e) => e.data);
    expect(breaches.map((b) => b.parcelId).sort()).toEqual(["P-gone", "P-in"]);
    expect(breaches[0]?.excursionStart).toBe(new Date(lastGood).toISOString());
  });

  it("the first reading after a probe dropout is not swallowed by the implausible-jump rule", async () => {
    f = await coldFixture([frozen()]);
    f.ctrl.set(0, { temperatureC: -18 });
    for (let i = 0; i < 4; i++) await f.step();
    f.ctrl.set(0, { quality: "sensor_fault", temperatureC: null });
    for (let i = 0; i < 40; i++) await f.step(); // 20 min without a value
    f.ctrl.set(0, { quality: "ok", temperatureC: -4 }); // 14 °C above the last value (maxJumpC 10)
    await f.step();
    const kinds = f.sink.events().map((e) => `${e.type}:${e.data.kind}`);
    expect(kinds).toEqual([
      "cold.alarm.raised:sensor_fault",
      "cold.alarm.cleared:sensor_fault",
      "cold.alarm.raised:temperature",
    ]);
  });

  it("an in-range reading after a gap starts nothing", async () => {
    f = await coldFixture([frozen()]);
    f.ctrl.set(0, { temperatureC: -18 });
    await f.step();
    f.ctrl.dead = true;
    for (let i = 0; i < 60; i++) await f.step();
    f.ctrl.dead = false;
    for (let i = 0; i < 5; i++) await f.step();
    expect(f.sink.events().map((e) => `${e.type}:${e.data.kind}`)).toEqual([
      "cold.alarm.raised:unreachable",
      "cold.alarm.cleared:unreachable",
    ]);
    expect(f.svc.excursionStart("frozen")).toBeUndefined();
  });
});
