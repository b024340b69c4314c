import { afterEach, describe, expect, it } from "vitest";
import { COURIER, type Fixture, KIOSK, lastSeq, lockerFixture, ref, typesSince } from "./fixture.js";

describe("a courier who walks away", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("ends a session idle before the barcode after courierTimeoutSeconds with deposit.abandoned", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.clock.advance(119_000);
    await f.svc.sweep();
    expect(f.svc.depositSession(KIOSK)).toBeDefined();
    f.clock.advance(1_000);
    await f.svc.sweep();
    expect(f.svc.depositSession(KIOSK)).toBeUndefined();
    const ab = f.sink.events("deposit.abandoned")[0];
    expect(ab?.device).toBe(KIOSK);
    expect(ab?.data).toMatchObject({
      terminal: KIOSK,
      courier: COURIER.id,
      step: "scan",
      doorOpen: false,
      deposits: 0,
    });
    expect(() => f.svc.scanBarcode(KIOSK, "PKG-W0")).toThrow(
      expect.objectContaining({ code: "QH_LOCKER_SESSION" }),
    );
  });

  it("counts from the last step: a scanned barcode with no size chosen is abandoned with it", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.clock.advance(100_000);
    f.svc.scanBarcode(KIOSK, "PKG-W1");
    f.clock.advance(100_000);
    await f.svc.sweep();
    expect(f.sink.events("deposit.abandoned")).toHaveLength(0);
    f.clock.advance(20_000);
    await f.svc.sweep();
    expect(f.sink.events("deposit.abandoned")[0]?.data).toMatchObject({ step: "size", barcode: "PKG-W1" });
    // Nothing was held: every compartment is free.
    expect(f.svc.compartments().every((c) => c.state === "free")).toBe(true);
  });

  it("leaves a door open: abandoned now; the close decides (empty → freed, parcel inside → deposited)", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-W2");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    f.clock.advance(121_000);
    await f.svc.sweep();
    const ab = f.sink.events("deposit.abandoned")[0];
    expect(ab?.data).toMatchObject({ step: "open", doorOpen: true, compartment: "A01", barcode: "PKG-W2" });
    // The open door is also reported as left open, and the compartment stays held meanwhile.
    expect(f.sink.events("door.left_open")).toHaveLength(1);
    expect(f.svc.compartment(ref("A01")).state).toBe("reserved");

    const seq = lastSeq(f);
    await f.port.close(ref("A01"));
    await f.port.settle();
    expect(typesSince(f, seq)).toEqual(["door.closed", "parcel.deposit_failed"]);
    expect(f.sink.events("parcel.deposit_failed")[0]?.data).toMatchObject({ reason: "closed_empty" });
    expect(f.svc.compartment(ref("A01")).state).toBe("free");

    // Same again, but the courier had put the parcel in before walking off.
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-W3");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    await f.port.putParcel(ref("A01"));
    f.clock.advance(121_000);
    await f.svc.sweep();
    expect(f.sink.events("deposit.abandoned")).toHaveLength(2);
    await f.port.close(ref("A01"));
    await f.port.settle();
    expect(f.sink.events("parcel.deposited")[0]?.data).toMatchObject({
      barcode: "PKG-W3",
      compartment: "A01",
    });
    expect(f.svc.compartment(ref("A01")).state).toBe("occupied");
  });

  it("ends quietly after the courier's last deposit: finishing is not abandoning", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-W4");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    await f.port.putParcel(ref("A01"));
    await f.port.close(ref("A01"));
    await f.port.settle();
    f.clock.advance(121_000);
    await f.svc.sweep();
    expect(f.svc.depositSession(KIOSK)).toBeUndefined();
    expect(f.sink.events("deposit.abandoned")).toHaveLength(0);
  });
});
