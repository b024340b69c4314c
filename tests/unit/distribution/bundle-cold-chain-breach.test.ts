/**
 * A chilled distribution bundle is protected by the cold chain like a parcel (issue 11): the
 * bundles loaded into a cold zone's compartments during a temperature excursion are each named in
 * one bundle.cold_chain_breach when the alarm clears (not the one in an ambient compartment), and
 * collecting such a bundle answers `coldChainBreach` (the excursion under way, or the recorded
 * breach), as a parcel's pickup does. The locker, the distribution rounds and the cold chain share
 * one real SQLite file and one manual clock, as in the gateway; the cold chain's real gate.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/envelope.js";
import { coldGate } from "../../../src/domain/cold/gate.js";
import { lockerParcelLocator } from "../../../src/domain/cold/parcels.js";
import { contractValidators } from "../../helpers/contract.js";
import { type ColdFixture, chilledZone, coldFixture } from "../cold/fixture.js";
import { COURIER, DEVICE, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn, takeOut } from "./fixture.js";

let f: DistFixture;
let cold: ColdFixture;
afterEach(async () => {
  await cold.cleanup();
  await f.cleanup();
});

async function temps(list: number[]): Promise<void> {
  for (const t of list) {
    cold.ctrl.set(0, { temperatureC: t, quality: "ok" });
    await cold.step(30);
  }
}

describe("the cold chain protects chilled bundles", () => {
  it("names each bundle inside during the excursion and warns when it is collected", async () => {
    f = await distFixture();
    // the distribution fixture's zone id is cold-1 (chilled): A01 and A02 are in it, A03 ambient
    const zone = chilledZone({ id: "cold-1", compartments: [ref("A01"), ref("A02")] });
    cold = await coldFixture([zone], { db: f.db, clock: f.clock, parcels: lockerParcelLocator(f.db) });
    f.svc.setGate(coldGate(cold.svc));
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [
        { bundleId: "B-C1", household: "h1", code: "610001", zone: "chilled" },
        { bundleId: "B-C2", household: "h2", code: "610002", zone: "chilled" },
        { bundleId: "B-A", household: "h3", code: "610003" },
      ],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    expect(await f.dist.scanLabel(KIOSK, "B-C1")).toMatchObject({ compartment: "A01" });
    await putIn(f, "A01");
    expect(await f.dist.scanLabel(KIOSK, "B-C2")).toMatchObject({ compartment: "A02" });
    await putIn(f, "A02");
    expect(await f.dist.scanLabel(KIOSK, "B-A")).toMatchObject({ compartment: "A03" });
    await putIn(f, "A03");
    await temps([4, 4]);

    // the excursion: the alarm is raised after its delay (300 s)
    await temps([8, 9, 8, 8, 8, 8, 8, 8, 8, 8, 8]);
    expect(cold.sink.types()).toEqual(["cold.alarm.raised"]);

    // B-C1 is collected during the alarm: the answer says the excursion is under way
    const during = (await f.svc.pickup(KIOSK, "610001")) as unknown as JsonObject;
    expect(during).toMatchObject({ bundleId: "B-C1", compartment: "A01" });
    expect(during.coldChainBreach).toEqual([
      expect.objectContaining({ zone: "cold-1", ongoing: true, excursionEnd: null, peakC: 9 }),
    ]);
    await takeOut(f, "A01");
    await temps([8, 5]);

    expect(cold.sink.types()).toEqual([
      "cold.alarm.raised",
      "bundle.cold_chain_breach",
      "bundle.cold_chain_breach",
      "cold.alarm.cleared",
    ]);
    const raised = cold.sink.events("cold.alarm.raised")[0]!;
    const cleared = cold.sink.events("cold.alarm.cleared")[0]!;
    const breaches = cold.sink.events("bundle.cold_chain_breach");
    const schema = contractValidators().get("event.bundle.cold_chain_breach")!;
    expect(breaches.map((e) => e.data.bundleId).sort()).toEqual(["B-C1", "B-C2"]);
    for (const e of breaches) {
      expect(e.device).toBe(DEVICE);
      expect(e.data).toMatchObject({
        roundId: "r1",
        device: DEVICE,
        zone: "cold-1",
        alarmId: raised.data.alarmId,
        rule: "single",
        excursionStart: raised.data.since,
        excursionEnd: cleared.data.clearedAt,
        peakC: 9,
      });
      expect(e.data.minutesOutOfRange).toBeGreaterThan(0);
      expect(e.data).not.toHaveProperty("parcelId");
      const valid = schema(e.data);
      expect(valid, JSON.stringify(schema.errors)).toBe(true);
    }
    // the alarm's own count stays the parcels' (none here)
    expect(cleared.data.parcelsBreached).toBe(0);

    // B-C2, collected after the alarm cleared, carries the recorded breach; B-A (ambient) none
    const after = (await f.svc.pickup(KIOSK, "610002")) as unknown as JsonObject;
    expect(after).toMatchObject({ bundleId: "B-C2", compartment: "A02" });
    expect(after.coldChainBreach).toEqual([
      expect.objectContaining({
        zone: "cold-1",
        alarmId: raised.data.alarmId,
        excursionEnd: cleared.data.clearedAt,
        peakC: 9,
      }),
    ]);
    await takeOut(f, "A02");
    const ambient = (await f.svc.pickup(KIOSK, "610003")) as unknown as JsonObject;
    expect(ambient).toMatchObject({ bundleId: "B-A" });
    expect(ambient).not.toHaveProperty("coldChainBreach");
  });
});
