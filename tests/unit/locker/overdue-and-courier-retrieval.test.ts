import { afterEach, describe, expect, it } from "vitest";
import {
  COURIER,
  DEVICE,
  depositParcel,
  type Fixture,
  lockerFixture,
  OTHER_COURIER,
  ref,
} from "./fixture.js";

const HOURS = 3_600_000;

describe("overdue parcels", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("become overdue after the pickup window and go back with the courier's code, one door after the other", async () => {
    f = await lockerFixture();
    const a = await depositParcel(f, { barcode: "PKG-O1", size: "S" });
    const b = await depositParcel(f, { barcode: "PKG-O2", size: "M" });
    f.svc.endDeposit("kiosk-1");
    const c = await depositParcel(f, { barcode: "PKG-O3", size: "L", courier: OTHER_COURIER });
    f.svc.endDeposit("kiosk-1");

    f.clock.advance(47 * HOURS);
    await f.svc.sweep();
    expect(f.sink.events("parcel.overdue")).toHaveLength(0);
    f.clock.advance(1 * HOURS);
    await f.svc.sweep();
    const overdue = f.sink.events("parcel.overdue");
    expect(overdue.map((e) => e.data.barcode)).toEqual(["PKG-O1", "PKG-O2", "PKG-O3"]);
    expect(overdue[0]?.data).toMatchObject({ parcelId: a.parcelId, courier: COURIER.id, device: DEVICE });
    expect(f.svc.compartment(a.at).state).toBe("overdue");
    expect(f.svc.stateDocument(DEVICE)).toMatchObject({ compartments: { overdue: 3 } });
    // Sweeping again does not repeat it.
    await f.svc.sweep();
    expect(f.sink.events("parcel.overdue")).toHaveLength(3);

    await expect(f.svc.retrieve("kiosk-1", "NOTACOURIER")).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
    });

    const pulsesBefore = f.port.pulses.length;
    const r = await f.svc.retrieve("kiosk-1", COURIER.code);
    expect(r.courier).toBe(COURIER.id);
    expect(r.opened.map((o) => o.compartment)).toEqual([a.at.compartment, b.at.compartment]);
    expect(r.failed).toEqual([]);
    // Only this courier's doors, one pulse each.
    expect(f.port.pulses.slice(pulsesBefore)).toEqual([a.at, b.at]);
    await f.port.settle();
    for (const at of [a.at, b.at]) {
      await f.port.takeParcel(at);
      await f.port.close(at);
    }
    await f.port.settle();
    const retrieved = f.sink.events("parcel.retrieved");
    expect(retrieved.map((e) => e.data.parcelId)).toEqual([a.parcelId, b.parcelId]);
    expect(retrieved[0]?.data).toMatchObject({ courier: COURIER.id, terminal: "kiosk-1", recalled: false });
    expect(f.svc.compartment(a.at).state).toBe("free");
    expect(f.svc.compartment(b.at).state).toBe("free");
    expect(f.svc.compartment(c.at).state).toBe("overdue");

    // The pickup code of a retrieved parcel is dead.
    await expect(f.svc.pickup("kiosk-2", a.code)).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
    // Nothing left for this courier.
    await expect(f.svc.retrieve("kiosk-1", COURIER.code)).rejects.toMatchObject({
      code: "QH_LOCKER_PARCEL_UNKNOWN",
    });
  });

  it("a board silent after one retrieval pulse gets no other: the rest of its doors fail unpulsed (issue 7)", async () => {
    f = await lockerFixture();
    const a = await depositParcel(f, { barcode: "PKG-O6", size: "S" });
    const b = await depositParcel(f, { barcode: "PKG-O7", size: "M" });
    f.svc.endDeposit("kiosk-1");
    f.clock.advance(49 * HOURS);
    await f.svc.sweep();
    expect(f.sink.events("parcel.overdue")).toHaveLength(2);
    // the board hears the first pulse and answers nothing, not even the read after it
    f.port.setSilent(DEVICE);
    const pulsesBefore = f.port.pulses.length;
    const r = await f.svc.retrieve("kiosk-1", COURIER.code);
    expect(r.opened).toEqual([]);
    // one pulse (its outcome unknown); the second door, on the same silent board, is not pulsed blind
    expect(f.port.pulses.slice(pulsesBefore)).toEqual([a.at]);
    expect(r.failed.map((x) => [x.parcelId, x.error.code])).toEqual([
      [a.parcelId, "QH_LOCKER_UNREACHABLE"],
      [b.parcelId, "QH_LOCKER_UNREACHABLE"],
    ]);
    expect(r.failed[1]?.error.message).toMatch(/not pulsed/);
    expect(f.svc.compartment(b.at).state).toBe("overdue");
  });

  it("the courier may take back a chosen one; the resident may still collect an overdue parcel until then", async () => {
    f = await lockerFixture();
    const a = await depositParcel(f, { barcode: "PKG-O4", size: "S" });
    const b = await depositParcel(f, { barcode: "PKG-O5", size: "S" });
    f.clock.advance(49 * HOURS);
    await f.svc.sweep();

    const r = await f.svc.retrieve("kiosk-1", COURIER.code, ref(b.at.compartment));
    expect(r.opened.map((o) => o.parcelId)).toEqual([b.parcelId]);
    await f.port.settle();
    await f.port.takeParcel(b.at);
    await f.port.close(b.at);
    await f.port.settle();
    expect(f.svc.parcel(b.parcelId)?.state).toBe("retrieved");

    await f.svc.pickup("kiosk-2", a.code);
    await f.port.settle();
    await f.port.takeParcel(a.at);
    await f.port.close(a.at);
    await f.port.settle();
    expect(f.sink.events("parcel.picked_up")[0]?.data).toMatchObject({ parcelId: a.parcelId, overdue: true });
  });
});
