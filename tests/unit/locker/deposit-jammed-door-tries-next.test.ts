import { afterEach, describe, expect, it } from "vitest";
import { COURIER, DEVICE, type Fixture, KIOSK, lastSeq, lockerFixture, ref, typesSince } from "./fixture.js";

describe("a door that does not open after its pulse", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("is marked jammed and the next free compartment of that size or larger is pulsed", async () => {
    f = await lockerFixture();
    f.port.jam(ref("A03"));
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-J1");
    const s = await f.svc.chooseSize(KIOSK, "M");
    expect(s).toMatchObject({ step: "opening", compartment: "A03" });
    await f.port.settle();
    expect(f.port.isOpen(ref("A03"))).toBe(false);

    // Not yet: the door has doorOpenTimeoutSeconds (10 s) to open.
    f.clock.advance(9_000);
    await f.svc.sweep();
    expect(f.sink.events("door.jammed")).toHaveLength(0);

    f.clock.advance(1_500);
    await f.svc.sweep();
    await f.port.settle();
    const jam = f.sink.events("door.jammed")[0];
    expect(jam?.data).toMatchObject({
      device: DEVICE,
      compartment: "A03",
      purpose: "deposit",
      timeoutSeconds: 10,
    });
    expect(f.svc.compartment(ref("A03"))).toMatchObject({ state: "out_of_service", reason: "jammed" });

    // The next M (A04) was pulsed automatically, and it opened.
    expect(f.port.pulses).toEqual([ref("A03"), ref("A04")]);
    expect(f.svc.depositSession(KIOSK)).toMatchObject({
      step: "open",
      compartment: "A04",
      last: { outcome: "moved_after_jam", compartment: "A03" },
    });
    await f.port.putParcel(ref("A04"));
    await f.port.close(ref("A04"));
    await f.port.settle();
    const dep = f.sink.events("parcel.deposited")[0];
    expect(dep?.data).toMatchObject({ compartment: "A04", barcode: "PKG-J1", size: "M" });
    expect(f.svc.compartment(ref("A03")).state).toBe("out_of_service");
    const doc = f.states.at(-1)?.doc;
    expect(doc?.outOfService).toEqual([expect.objectContaining({ compartment: "A03", reason: "jammed" })]);
  });

  it("moves up a size when no compartment of that size is left, and gives up cleanly when none is", async () => {
    f = await lockerFixture();
    for (const c of ["A01", "A02", "A03", "A04", "A05", "A06"]) f.port.jam(ref(c));
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-J2");
    await f.svc.chooseSize(KIOSK, "M");
    const expected = ["A03", "A04", "A05", "A06"];
    for (let i = 1; i <= expected.length; i++) {
      f.clock.advance(11_000);
      await f.svc.sweep();
      await f.port.settle();
    }
    expect(f.port.pulses.map((p) => p.compartment)).toEqual(expected);
    expect(f.sink.events("door.jammed").map((e) => e.data.compartment)).toEqual(expected);
    const failed = f.sink.events("parcel.deposit_failed")[0];
    expect(failed?.data).toMatchObject({ barcode: "PKG-J2", reason: "no_compartment" });
    // The courier is back at the size step with the barcode kept; the S compartments still work.
    expect(f.svc.depositSession(KIOSK)).toMatchObject({
      step: "size",
      barcode: "PKG-J2",
      last: { outcome: "no_compartment" },
    });
    expect(f.svc.availability(KIOSK)).toEqual({ S: 2 });
  });

  it("skips a locker whose board does not take the pulse", async () => {
    f = await lockerFixture({
      layout: [
        {
          device: "locker-a",
          compartments: [{ id: "A01", size: "S", zone: "ambient", sensors: { door: true, presence: true } }],
        },
        {
          device: "locker-b",
          compartments: [{ id: "B01", size: "S", zone: "ambient", sensors: { door: true, presence: true } }],
        },
      ],
    });
    // The board fails without the driver having noticed yet.
    f.port.setReachable("locker-a", 0, false, false);
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-U1");
    const s = await f.svc.chooseSize(KIOSK, "S");
    expect(s).toMatchObject({ device: "locker-b", compartment: "B01", step: "opening" });
    const seq = lastSeq(f);
    await f.port.settle();
    expect(typesSince(f, seq)).toEqual(["door.opened"]);
    // The compartment that did not take the pulse is free again (not jammed: it never got the pulse).
    expect(f.svc.compartment(ref("A01"))).toMatchObject({ state: "free", reason: null });

    f.port.setReachable("locker-a", 0, false);
    expect(f.svc.compartment(ref("A01")).reachable).toBe(false);
    expect(f.svc.stateDocument("locker-a")).toMatchObject({
      unreachableBoards: ["0"],
      unreachableCompartments: ["A01"],
    });
  });
});
