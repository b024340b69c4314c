import { afterEach, describe, expect, it } from "vitest";
import { COURIER, DEVICE, type Fixture, KIOSK, lockerFixture, ref } from "./fixture.js";

describe("a door closed on an empty compartment", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("fails the deposit (presence sensor), frees the compartment and lets the courier try again", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-E1");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    // The courier closes the door without putting the parcel in.
    await f.port.close(ref("A01"));
    await f.port.settle();

    expect(f.sink.types()).toEqual(["door.opened", "door.closed", "parcel.deposit_failed"]);
    const failed = f.sink.events("parcel.deposit_failed")[0];
    expect(failed?.device).toBe(DEVICE);
    expect(failed?.data).toMatchObject({
      barcode: "PKG-E1",
      device: DEVICE,
      compartment: "A01",
      reason: "closed_empty",
      courier: COURIER.id,
    });
    expect(failed?.data).not.toHaveProperty("pickupCode");
    expect(f.svc.compartment(ref("A01"))).toMatchObject({ state: "free", parcelId: null });
    expect(f.svc.parcel(failed?.data.parcelId as string)?.state).toBe("failed");
    expect(f.sink.events("parcel.deposited")).toHaveLength(0);

    // Back at the size step, barcode kept: this time the parcel goes in.
    expect(f.svc.depositSession(KIOSK)).toMatchObject({
      step: "size",
      barcode: "PKG-E1",
      last: { outcome: "deposit_failed", reason: "closed_empty" },
    });
    const again = await f.svc.chooseSize(KIOSK, "S");
    expect(again.compartment).toBe("A01");
    await f.port.settle();
    await f.port.putParcel(ref("A01"));
    await f.port.close(ref("A01"));
    await f.port.settle();
    expect(f.sink.events("parcel.deposited")[0]?.data).toMatchObject({
      barcode: "PKG-E1",
      compartment: "A01",
    });
    expect(f.svc.compartment(ref("A01")).state).toBe("occupied");
  });

  it("without a presence sensor, a closed door counts as a deposit (nothing accepted is lost)", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-E2");
    const s = await f.svc.chooseSize(KIOSK, "XL");
    expect(s.compartment).toBe("A06");
    await f.port.settle();
    await f.port.close(ref("A06"));
    await f.port.settle();
    expect(f.sink.events("parcel.deposit_failed")).toHaveLength(0);
    expect(f.sink.events("parcel.deposited")[0]?.data).toMatchObject({ compartment: "A06", size: "XL" });
  });
});
