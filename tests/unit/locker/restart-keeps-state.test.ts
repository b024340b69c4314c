import { afterEach, describe, expect, it } from "vitest";
import {
  COURIER,
  depositParcel,
  type Fixture,
  KIOSK,
  lastSeq,
  lockerFixture,
  ref,
  typesSince,
} from "./fixture.js";

describe("a restart (service and database closed, the file reopened)", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("keeps parcels, codes and compartment states: the parcel can still be picked up", async () => {
    f = await lockerFixture();
    const { parcelId, code, at } = await depositParcel(f, { barcode: "PKG-RS1", size: "M" });
    await f.svc.disable(ref("A01"), "broken hinge");
    await f.shutdown();
    await f.restart();

    expect(f.svc.parcel(parcelId)).toMatchObject({
      state: "stored",
      barcode: "PKG-RS1",
      courier: COURIER.id,
    });
    expect(f.svc.compartment(at)).toMatchObject({ state: "occupied", parcelId });
    expect(f.svc.compartment(ref("A01"))).toMatchObject({ state: "out_of_service", reason: "disabled" });
    // The state document is published again on start.
    expect(f.states.at(-1)?.doc).toMatchObject({ compartments: { occupied: 1, out_of_service: 1, free: 4 } });

    const seq = lastSeq(f);
    await f.svc.pickup("kiosk-2", code);
    await f.port.settle();
    await f.port.takeParcel(at);
    await f.port.close(at);
    await f.port.settle();
    // The driver's first poll after the restart matched what was stored: no spurious door events.
    expect(typesSince(f, seq)).toEqual(["door.opened", "door.closed", "parcel.picked_up"]);
    expect(f.svc.compartment(at).state).toBe("free");
  });

  it("finishes what the doors were doing: a deposit door open at the restart completes when it closes", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-RS2");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    await f.shutdown();
    await f.restart();
    // The session is gone, the held compartment is not.
    expect(f.svc.depositSession(KIOSK)).toBeUndefined();
    expect(f.svc.compartment(ref("A01")).state).toBe("reserved");
    await f.port.putParcel(ref("A01"));
    await f.port.close(ref("A01"));
    await f.port.settle();
    expect(f.sink.events("parcel.deposited")[0]?.data).toMatchObject({
      barcode: "PKG-RS2",
      compartment: "A01",
    });
    expect(f.sink.events("parcel.deposited")[0]?.data.pickupCode).toMatch(/^\d{6}$/);
  });

  it("a deposit pulsed but never opened before the restart is released", async () => {
    f = await lockerFixture();
    f.port.jam(ref("A01"));
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-RS3");
    await f.svc.chooseSize(KIOSK, "S");
    await f.shutdown();
    f.clock.advance(30_000);
    await f.restart();
    await f.svc.sweep();
    expect(f.sink.events("door.jammed")[0]?.data).toMatchObject({ compartment: "A01" });
    expect(f.sink.events("parcel.deposit_failed")[0]?.data).toMatchObject({
      barcode: "PKG-RS3",
      reason: "jammed",
    });
    expect(f.svc.compartment(ref("A01")).state).toBe("out_of_service");
    expect(f.svc.compartments().filter((c) => c.state === "reserved")).toEqual([]);
  });

  it("sends events the event store refused before the crash, with a reissued pickup code (never stored in clear)", async () => {
    f = await lockerFixture();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-RS4");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    await f.port.putParcel(ref("A01"));
    // The event store refuses (disk full): the deposit is committed locally, its events wait.
    f.sink.refuse();
    // the door report is recorded (it does not fail): only its events wait
    await f.port.close(ref("A01"));
    await f.port.settle();
    expect(f.sink.events("parcel.deposited")).toHaveLength(0);
    expect(f.svc.pendingEvents()).toBe(2);
    expect(f.svc.compartment(ref("A01")).state).toBe("occupied");

    // Crash: the clear code only ever lived in memory.
    await f.shutdown();
    f.sink.accept();
    await f.restart();
    expect(f.svc.pendingEvents()).toBe(0);
    expect(f.sink.types().slice(-2)).toEqual(["door.closed", "parcel.deposited"]);
    const dep = f.sink.events("parcel.deposited")[0];
    expect(dep?.data).toMatchObject({ barcode: "PKG-RS4", compartment: "A01", codeReissued: true });
    const code = dep?.data.pickupCode as string;
    expect(code).toMatch(/^\d{6}$/);

    await f.svc.pickup("kiosk-2", code);
    await f.port.settle();
    await f.port.takeParcel(ref("A01"));
    await f.port.close(ref("A01"));
    await f.port.settle();
    expect(f.sink.events("parcel.picked_up")).toHaveLength(1);
  });

  it("sends refused events on the next sweep while running, with the code it still holds", async () => {
    f = await lockerFixture();
    f.sink.refuse();
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-RS5");
    await f.svc.chooseSize(KIOSK, "S");
    await f.port.settle();
    await f.port.putParcel(ref("A01"));
    await f.port.close(ref("A01")).catch(() => {});
    await f.port.settle();
    expect(f.svc.pendingEvents()).toBe(3);
    f.sink.accept();
    await f.svc.sweep();
    expect(f.svc.pendingEvents()).toBe(0);
    expect(f.sink.types()).toEqual(["door.opened", "door.closed", "parcel.deposited"]);
    const dep = f.sink.events("parcel.deposited")[0];
    expect(dep?.data).not.toHaveProperty("codeReissued");
    const code = dep?.data.pickupCode as string;
    expect((await f.svc.pickup("kiosk-2", code)).compartment).toBe("A01");
  });
});
