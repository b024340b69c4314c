/**
 * With the cumulative rule on, an early blip out of range keeps the zone "exposed" for the whole
 * window; the breach must still name only the parcels whose stay overlaps the excursion it reports
 * (start..end), not one picked up an hour before the excursion began (review finding).
 */
import { afterEach, expect, it } from "vitest";
import type { ParcelLocator } from "../../../src/domain/cold/parcels.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

it("a parcel picked up an hour before the excursion began is not named in its breach", async () => {
  const list: { parcelId: string; out?: number }[] = [];
  const locator: ParcelLocator = {
    presentSince: (_c, since) =>
      list
        .filter((p) => p.out === undefined || p.out >= since)
        .map((p) => ({ parcelId: p.parcelId, device: "cold-a", compartment: "C01" })),
  };
  const zone = chilledZone(
    { compartments: [{ device: "cold-a", compartment: "C01" }] },
    { cumulativeLimitSeconds: 3600 },
  );
  f = await coldFixture([zone], { parcels: locator });
  await f.step();
  f.ctrl.set(0, { temperatureC: 7 });
  await f.step(); // one 30 s blip above 6 °C: no alarm, but a span in the cumulative window
  f.ctrl.set(0, { temperatureC: 4 });
  for (let i = 0; i < 20; i++) await f.step();
  list.push({ parcelId: "P-early" });
  for (let i = 0; i < 100; i++) await f.step();
  list[0]!.out = f.clock.now(); // picked up
  for (let i = 0; i < 120; i++) await f.step(); // an hour later, still in range
  list.push({ parcelId: "P-during" });
  const excursionFrom = f.clock.now();
  f.ctrl.set(0, { temperatureC: 10 });
  for (let i = 0; i < 12; i++) await f.step();
  f.ctrl.set(0, { temperatureC: 4 });
  await f.step();
  const breaches = f.sink.events("parcel.cold_chain_breach").map((e) => e.data);
  expect(breaches.map((b) => b.parcelId)).toEqual(["P-during"]);
  expect(breaches[0]?.excursionStart).toBe(new Date(excursionFrom).toISOString());
  const rows = f.db.prepare("SELECT parcel_id FROM cold_breaches").pluck().all();
  expect(rows).toEqual(["P-during"]);
});
