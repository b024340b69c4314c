import { afterEach, describe, expect, it } from "vitest";
import { COURIER, DEVICE, type Fixture, KIOSK, lockerFixture, ref } from "./fixture.js";

describe("a courier deposits a parcel", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("offers the smallest free size, opens its door, and issues a code when the door closes on the parcel", async () => {
    f = await lockerFixture();
    const started = await f.svc.startDeposit(KIOSK, COURIER.code);
    expect(started).toMatchObject({ terminal: KIOSK, courier: COURIER.id, step: "scan", deposits: 0 });

    const scanned = f.svc.scanBarcode(KIOSK, "PKG-0001");
    expect(scanned).toMatchObject({ step: "size", barcode: "PKG-0001", offer: "S" });
    expect(scanned.available).toEqual({ S: 2, M: 2, L: 1, XL: 1 });

    // No size picked: the offered smallest free compartment is used.
    const opening = await f.svc.chooseSize(KIOSK);
    expect(opening).toMatchObject({ step: "opening", device: DEVICE, compartment: "A01", size: "S" });
    expect(f.port.pulses).toEqual([ref("A01")]);
    expect(f.svc.compartment(ref("A01")).state).toBe("reserved");

    await f.port.settle();
    expect(f.svc.depositSession(KIOSK)?.step).toBe("open");
    await f.port.putParcel(ref("A01"));
    await f.port.close(ref("A01"));
    await f.port.settle();

    expect(f.sink.types()).toEqual(["door.opened", "door.closed", "parcel.deposited"]);
    const opened = f.sink.events("door.opened")[0];
    expect(opened?.data).toMatchObject({
      device: DEVICE,
      compartment: "A01",
      expected: true,
      purpose: "deposit",
    });
    const deposited = f.sink.events("parcel.deposited")[0];
    expect(deposited?.device).toBe(DEVICE);
    expect(deposited?.data).toMatchObject({
      barcode: "PKG-0001",
      device: DEVICE,
      compartment: "A01",
      size: "S",
      courier: COURIER.id,
      deadline: new Date(f.clock.now() + 48 * 3_600_000).toISOString(),
    });
    expect(deposited?.data.pickupCode).toMatch(/^\d{6}$/);
    expect(typeof deposited?.data.parcelId).toBe("string");

    expect(f.svc.compartment(ref("A01"))).toMatchObject({
      state: "occupied",
      parcelId: deposited?.data.parcelId,
    });
    expect(f.svc.parcel(deposited?.data.parcelId as string)?.state).toBe("stored");
    // The session is ready for the next parcel.
    expect(f.svc.depositSession(KIOSK)).toMatchObject({
      step: "scan",
      deposits: 1,
      last: { outcome: "deposited" },
    });
  });

  it("uses the size the courier picks, larger when that size is full, and publishes the locker's state", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-M-1");
    expect((await f.svc.chooseSize(KIOSK, "M")).compartment).toBe("A03");
    await f.port.settle();
    await f.port.putParcel(ref("A03"));
    await f.port.close(ref("A03"));
    await f.port.settle();

    f.svc.scanBarcode(KIOSK, "PKG-M-2");
    expect((await f.svc.chooseSize(KIOSK, "M")).compartment).toBe("A04");
    await f.port.settle();
    await f.port.putParcel(ref("A04"));
    await f.port.close(ref("A04"));
    await f.port.settle();

    f.svc.scanBarcode(KIOSK, "PKG-M-3");
    expect((await f.svc.chooseSize(KIOSK, "M")).compartment).toBe("A05");
    await f.port.settle();

    const codes = f.sink.events("parcel.deposited").map((e) => e.data.pickupCode);
    expect(new Set(codes).size).toBe(2);

    const doc = f.states.filter((s) => s.device === DEVICE).at(-1)?.doc;
    expect(doc).toMatchObject({
      kind: "locker",
      total: 6,
      compartments: { free: 3, reserved: 1, occupied: 2, overdue: 0, out_of_service: 0 },
      doorsOpen: ["A05"],
    });
  });

  it("refuses a barcode that is already in the locker, and a step out of order", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    await expect(f.svc.chooseSize(KIOSK, "S")).rejects.toMatchObject({ code: "QH_LOCKER_SESSION" });
    f.svc.scanBarcode(KIOSK, "PKG-DUP");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    await f.port.putParcel(ref("A01"));
    await f.port.close(ref("A01"));
    await f.port.settle();
    expect(() => f.svc.scanBarcode(KIOSK, "PKG-DUP")).toThrow(
      expect.objectContaining({ code: "QH_LOCKER_CONFLICT" }),
    );
    expect(() => f.svc.scanBarcode(KIOSK, "bad barcode")).toThrow(
      expect.objectContaining({ code: "QH_LOCKER_INPUT_INVALID" }),
    );
  });
});
