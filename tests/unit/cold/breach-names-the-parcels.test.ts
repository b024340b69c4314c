/**
 * Breach traced to parcels: exactly the parcels inside a zone during an excursion are named in
 * parcel.cold_chain_breach (one deposited before, one during; not one picked up before it began);
 * a deposit into a zone in alarm is refused with QH_COLD_ZONE_ALARM; a pickup answer carries the
 * breach. The locker service and the cold service share one real SQLite file, as in the gateway.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/envelope.js";
import { coldGate } from "../../../src/domain/cold/gate.js";
import { lockerParcelLocator } from "../../../src/domain/cold/parcels.js";
import { COURIER, DEVICE, type Fixture, KIOSK, lockerFixture, ref } from "../locker/fixture.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let locker: Fixture;
let cold: ColdFixture;
afterEach(async () => {
  await cold.cleanup();
  await locker.cleanup();
});

async function pickup(code: string, at: ReturnType<typeof ref>): Promise<JsonObject> {
  const answer = (await locker.svc.pickup(KIOSK, code)) as unknown as JsonObject;
  await locker.port.settle();
  await locker.port.takeParcel(at);
  await locker.port.close(at);
  await locker.port.settle();
  return answer;
}

/** A courier deposit into a compartment of `zone` (the kiosk's zone choice); returns the code. */
async function depositIn(zone: string, barcode: string) {
  if (locker.svc.depositSession(KIOSK) === undefined) await locker.svc.startDeposit(KIOSK, COURIER.code);
  locker.svc.scanBarcode(KIOSK, barcode);
  const s = await locker.svc.chooseSize(KIOSK, "S", zone);
  await locker.port.settle();
  const at = ref(s.compartment as string, s.device);
  await locker.port.putParcel(at);
  await locker.port.close(at);
  await locker.port.settle();
  const ev = locker.sink.events("parcel.deposited").find((e) => e.data.barcode === barcode)!;
  return { parcelId: ev.data.parcelId as string, code: ev.data.pickupCode as string, at };
}

async function temps(list: number[]): Promise<void> {
  for (const t of list) {
    cold.ctrl.set(0, { temperatureC: t, quality: "ok" });
    await cold.step(30);
  }
}

describe("a cold chain breach is traced to the parcels inside", () => {
  it("names the parcel deposited before and the one deposited during, not the one picked up before", async () => {
    locker = await lockerFixture();
    const zone = chilledZone({ compartments: [ref("A01"), ref("A02"), ref("A03")] });
    cold = await coldFixture([zone], {
      db: locker.db,
      clock: locker.clock,
      parcels: lockerParcelLocator(locker.db),
    });
    locker.svc.setGate(coldGate(cold.svc));

    // C: deposited and picked up before the excursion; A: deposited before it
    const c = await depositIn("chilled", "PKG-C");
    expect(c.at).toEqual(ref("A01"));
    const a = await depositIn("chilled", "PKG-A");
    expect(a.at).toEqual(ref("A02"));
    locker.svc.endDeposit(KIOSK);
    await temps([4, 4]);
    await pickup(c.code, c.at);
    await temps([4]);

    // the excursion begins; B is deposited during it, before the alarm is raised (delay 300 s)
    await temps([8, 8, 8]);
    const b = await depositIn("chilled", "PKG-B");
    expect(b.at).toEqual(ref("A01"));
    locker.svc.endDeposit(KIOSK);
    await temps([9, 8, 8, 8, 8, 8, 8, 8]);
    expect(cold.sink.types()).toEqual(["cold.alarm.raised"]);

    // a deposit into the zone in alarm is refused with a coded reason the kiosk can show
    await locker.svc.startDeposit(KIOSK, COURIER.code);
    locker.svc.scanBarcode(KIOSK, "PKG-D");
    const refused = await locker.svc.chooseSize(KIOSK, "M", "chilled").catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "QH_COLD_ZONE_ALARM",
      details: { zone: "chilled", compartment: "A03" },
    });
    expect(locker.port.pulses.filter((p) => p.compartment === "A03")).toEqual([]);
    // the same courier may still use an ambient compartment (no zone asked)
    const ambient = await locker.svc.chooseSize(KIOSK, "S"); // no zone: ambient ones first
    expect(ambient.compartment).toBe("A04");
    await locker.port.settle();
    await locker.port.putParcel(ref("A04"));
    await locker.port.close(ref("A04"));
    await locker.port.settle();
    locker.svc.endDeposit(KIOSK);

    // A is collected during the alarm: the answer says the excursion is under way
    const during = await pickup(a.code, a.at);
    expect(during.coldChainBreach).toEqual([
      expect.objectContaining({ zone: "chilled", ongoing: true, excursionEnd: null, peakC: 9 }),
    ]);

    await temps([8, 5]);
    expect(cold.sink.types()).toEqual([
      "cold.alarm.raised",
      "parcel.cold_chain_breach",
      "parcel.cold_chain_breach",
      "cold.alarm.cleared",
    ]);
    const breaches = cold.sink.events("parcel.cold_chain_breach");
    expect(breaches.map((e) => e.data.parcelId).sort()).toEqual([a.parcelId, b.parcelId].sort());
    const raised = cold.sink.events("cold.alarm.raised")[0]!;
    const cleared = cold.sink.events("cold.alarm.cleared")[0]!;
    for (const e of breaches) {
      expect(e.device).toBe(DEVICE);
      expect(e.data).toMatchObject({
        zone: "chilled",
        alarmId: raised.data.alarmId,
        excursionStart: raised.data.since,
        excursionEnd: cleared.data.clearedAt,
        peakC: 9,
        minutesOutOfRange: cleared.data.minutesOutOfRange,
      });
    }
    expect(breaches.find((e) => e.data.parcelId === b.parcelId)?.data.compartment).toBe("A01");
    expect(cleared.data.parcelsBreached).toBe(2);
    // 12 readings out of range, 11 steps of 30 s between them
    expect(cleared.data.minutesOutOfRange).toBe(5.5);

    // B's resident is told at pickup
    const later = await pickup(b.code, b.at);
    expect(later.coldChainBreach).toEqual([
      {
        zone: "chilled",
        alarmId: raised.data.alarmId,
        excursionStart: raised.data.since,
        excursionEnd: cleared.data.clearedAt,
        peakC: 9,
        minutesOutOfRange: 5.5,
      },
    ]);

    // once cleared, deposits into the zone are accepted again
    await locker.svc.startDeposit(KIOSK, COURIER.code);
    locker.svc.scanBarcode(KIOSK, "PKG-E");
    expect((await locker.svc.chooseSize(KIOSK, "S", "chilled")).compartment).toBe("A01");
  });

  it("a short rise that never alarms names no parcel, and a reserved compartment in alarm refuses the deposit", async () => {
    locker = await lockerFixture();
    const zone = chilledZone({ compartments: [ref("A01"), ref("A02")] });
    cold = await coldFixture([zone], {
      db: locker.db,
      clock: locker.clock,
      parcels: lockerParcelLocator(locker.db),
    });
    locker.svc.setGate(coldGate(cold.svc));
    expect((await depositIn("chilled", "PKG-1")).at).toEqual(ref("A01"));
    locker.svc.endDeposit(KIOSK);
    await temps([4, 8, 8, 4, 4]);
    expect(cold.sink.types()).toEqual([]);
    expect(locker.db.prepare("SELECT count(*) FROM cold_exposure").pluck().get()).toBe(0);

    const booked = await locker.svc.reserve({
      orderId: "ORD-1",
      size: "S",
      pickupCode: "123456",
      deadline: locker.clock.now() + 3_600_000,
    });
    expect(booked.compartment).toBe("A02");
    cold.ctrl.set(0, { doorOpen: true });
    await temps([4, 4, 4, 4, 4]);
    expect(cold.sink.events().map((e) => e.data.kind)).toEqual(["door_open"]);
    const err = await locker.svc.depositReserved(KIOSK, "ORD-1").catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "QH_COLD_ZONE_ALARM",
      details: { zone: "chilled", alarms: ["door_open"] },
    });
    // nothing moved: the booking still waits for its deposit
    expect(locker.svc.parcel(booked.parcelId)?.state).toBe("reserved");
    expect(locker.port.pulses.filter((p) => p.compartment === "A02")).toEqual([]);
  });
});
