import { afterEach, describe, expect, it } from "vitest";
import {
  COURIER,
  command,
  DEVICE,
  type Fixture,
  lastSeq,
  lockerFixture,
  ref,
  typesSince,
} from "./fixture.js";

const HOURS = 3_600_000;

describe("a reservation from the platform", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("books the smallest free compartment of at least the size; the merchant deposits; the resident picks up with the given code", async () => {
    f = await lockerFixture();
    const deadline = new Date(f.clock.now() + 24 * HOURS).toISOString();
    const args = { orderId: "order-77", size: "M", pickupCode: "246810", deadline };
    const booked = await command(f, "locker.reserve", args);
    expect(booked).toMatchObject({
      orderId: "order-77",
      device: DEVICE,
      compartment: "A03",
      size: "M",
      compartmentSize: "M",
      deadline,
      state: "reserved",
    });
    expect(f.svc.compartment(ref("A03")).state).toBe("reserved");
    expect(f.sink.events("reservation.booked")[0]?.data).toMatchObject({
      orderId: "order-77",
      compartment: "A03",
    });
    // A repeat with the same arguments is the same booking.
    expect(await command(f, "locker.reserve", args)).toEqual(booked);
    await expect(command(f, "locker.reserve", { ...args, size: "L" })).rejects.toMatchObject({
      code: "QH_LOCKER_CONFLICT",
    });
    // Couriers do not get the booked compartment.
    await f.svc.startDeposit("kiosk-1", COURIER.code);
    f.svc.scanBarcode("kiosk-1", "PKG-R0");
    expect(f.svc.depositSession("kiosk-1")?.available).toMatchObject({ M: 1 });
    f.svc.endDeposit("kiosk-1");

    // The code does not open anything before the deposit.
    await expect(f.svc.pickup("kiosk-2", "246810")).rejects.toMatchObject({
      code: "QH_LOCKER_PARCEL_UNKNOWN",
    });

    const seq = lastSeq(f);
    const s = await f.svc.depositReserved("kiosk-1", "order-77");
    expect(s).toMatchObject({ step: "opening", compartment: "A03", orderId: "order-77", courier: null });
    await f.port.settle();
    await f.port.putParcel(ref("A03"));
    await f.port.close(ref("A03"));
    await f.port.settle();
    expect(typesSince(f, seq)).toEqual(["door.opened", "door.closed", "parcel.deposited"]);
    const dep = f.sink.events("parcel.deposited")[0];
    expect(dep?.data).toMatchObject({ orderId: "order-77", compartment: "A03", deadline, courier: null });
    // The platform chose the code: it does not travel back.
    expect(dep?.data).not.toHaveProperty("pickupCode");
    expect(f.svc.depositSession("kiosk-1")).toBeUndefined();

    const r = await f.svc.pickup("kiosk-2", "qh:pickup:246810");
    expect(r.compartment).toBe("A03");
    await f.port.settle();
    await f.port.takeParcel(ref("A03"));
    await f.port.close(ref("A03"));
    await f.port.settle();
    expect(f.sink.events("parcel.picked_up")[0]?.data).toMatchObject({
      orderId: "order-77",
      parcelId: booked.parcelId,
    });
    expect(f.svc.compartment(ref("A03")).state).toBe("free");
  });

  it("refuses clearly: no compartment fits, a code in use, bad arguments", async () => {
    f = await lockerFixture({
      layout: [
        {
          device: DEVICE,
          compartments: [
            { id: "A01", size: "S", zone: "ambient", sensors: { door: true, presence: true } },
            { id: "A02", size: "M", zone: "ambient", sensors: { door: true, presence: true } },
          ],
        },
      ],
    });
    const deadline = f.clock.now() + 24 * HOURS;
    await expect(
      command(f, "locker.reserve", { orderId: "o-1", size: "L", pickupCode: "111111", deadline }),
    ).rejects.toMatchObject({ code: "QH_LOCKER_NO_COMPARTMENT" });
    const s = await command(f, "locker.reserve", {
      orderId: "o-2",
      size: "S",
      pickupCode: "111111",
      deadline,
    });
    expect(s.compartment).toBe("A01");
    await expect(
      command(f, "locker.reserve", { orderId: "o-3", size: "S", pickupCode: "111111", deadline }),
    ).rejects.toMatchObject({ code: "QH_LOCKER_CODE_IN_USE" });
    // Nothing half-booked by the refusal: A02 (M, the only one left) is still free.
    expect(f.svc.compartment(ref("A02")).state).toBe("free");
    const m = await command(f, "locker.reserve", {
      orderId: "o-3",
      size: "S",
      pickupCode: "222222",
      deadline,
    });
    expect(m.compartment).toBe("A02");
    await expect(
      command(f, "locker.reserve", { orderId: "o-4", size: "S", pickupCode: "333333", deadline }),
    ).rejects.toMatchObject({ code: "QH_LOCKER_NO_COMPARTMENT" });

    for (const bad of [
      { orderId: "o-5", size: "XXL", pickupCode: "444444", deadline },
      { orderId: "o-5", size: "S", pickupCode: "12", deadline },
      { orderId: "o-5", size: "S", pickupCode: "1234", deadline }, // shorter than locker.codeLength (6)
      { orderId: "o-5", size: "S", pickupCode: "444444", deadline: "soon" },
      { size: "S", pickupCode: "444444", deadline },
    ]) {
      await expect(command(f, "locker.reserve", bad)).rejects.toMatchObject({ code: "QH_COMMAND_INVALID" });
    }
    await expect(f.svc.depositReserved("kiosk-1", "no-such-order")).rejects.toMatchObject({
      code: "QH_LOCKER_PARCEL_UNKNOWN",
    });
  });

  it("expires when not deposited by its deadline, and moves to the next compartment if its own one jams", async () => {
    f = await lockerFixture();
    const deadline = f.clock.now() + 2 * HOURS;
    await command(f, "locker.reserve", { orderId: "o-exp", size: "L", pickupCode: "135790", deadline });
    await command(f, "locker.reserve", {
      orderId: "o-jam",
      size: "S",
      pickupCode: "975310",
      deadline: deadline + HOURS,
    });
    expect(f.svc.compartment(ref("A05")).state).toBe("reserved");

    f.port.jam(ref("A01"));
    await f.svc.depositReserved("kiosk-1", "o-jam", COURIER.code);
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
    expect(f.sink.events("door.jammed")[0]?.data).toMatchObject({ compartment: "A01" });
    expect(f.svc.depositSession("kiosk-1")).toMatchObject({ step: "open", compartment: "A02" });
    await f.port.putParcel(ref("A02"));
    await f.port.close(ref("A02"));
    await f.port.settle();
    expect(f.sink.events("parcel.deposited")[0]?.data).toMatchObject({
      orderId: "o-jam",
      compartment: "A02",
      courier: COURIER.id,
    });

    f.clock.advance(2 * HOURS);
    await f.svc.sweep();
    expect(f.sink.events("reservation.expired")[0]?.data).toMatchObject({
      orderId: "o-exp",
      compartment: "A05",
    });
    expect(f.svc.compartment(ref("A05")).state).toBe("free");
    await expect(f.svc.depositReserved("kiosk-1", "o-exp")).rejects.toMatchObject({
      code: "QH_LOCKER_PARCEL_UNKNOWN",
    });
  });
});
