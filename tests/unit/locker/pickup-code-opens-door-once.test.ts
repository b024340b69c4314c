import { afterEach, describe, expect, it } from "vitest";
import {
  DEVICE,
  depositParcel,
  type Fixture,
  LAYOUT,
  lastSeq,
  lockerFixture,
  typesSince,
} from "./fixture.js";

const RESIDENT_KIOSK = "kiosk-2";

describe("a resident's pickup code", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("opens the door, picked_up is emitted when the door closes, and the code works once", async () => {
    f = await lockerFixture();
    const { parcelId, code, at } = await depositParcel(f, { barcode: "PKG-P1", size: "M" });
    f.svc.endDeposit("kiosk-1");
    const seq = lastSeq(f);

    const r = await f.svc.pickup(RESIDENT_KIOSK, code);
    expect(r).toEqual({ parcelId, device: DEVICE, compartment: at.compartment, door: "pulsed" });
    expect(f.port.pulseCount(at)).toBe(2);
    // Pulsed, not yet picked up: door truth decides.
    expect(f.sink.events("parcel.picked_up")).toHaveLength(0);
    await f.port.settle();
    expect(f.svc.parcel(parcelId)?.state).toBe("collecting");
    await f.port.takeParcel(at);
    await f.port.close(at);
    await f.port.settle();

    expect(typesSince(f, seq)).toEqual(["door.opened", "door.closed", "parcel.picked_up"]);
    expect(f.sink.events("parcel.picked_up")[0]?.data).toMatchObject({
      parcelId,
      barcode: "PKG-P1",
      device: DEVICE,
      compartment: at.compartment,
      terminal: RESIDENT_KIOSK,
      overdue: false,
    });
    expect(f.svc.compartment(at)).toMatchObject({ state: "free", parcelId: null });
    expect(f.svc.parcel(parcelId)?.state).toBe("picked_up");

    // The code is spent.
    await expect(f.svc.pickup(RESIDENT_KIOSK, code)).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
    expect(f.port.pulseCount(at)).toBe(2);
  });

  it("accepts the QR form qh:pickup:<code>, and a second entry while the pulse is pending does not pulse again", async () => {
    f = await lockerFixture();
    const { code, at } = await depositParcel(f, { barcode: "PKG-P2", size: "S" });
    f.port.autoOpen = false;
    const first = await f.svc.pickup(RESIDENT_KIOSK, `qh:pickup:${code}`);
    expect(first.door).toBe("pulsed");
    // only the entry that pulsed the door is told it opened; the second gets a coded answer
    await expect(f.svc.pickup(RESIDENT_KIOSK, code)).rejects.toMatchObject({
      code: "QH_LOCKER_BUSY",
      details: { door: "opening" },
    });
    expect(f.port.pulseCount(at)).toBe(2);
    // The door was sticky; the resident pulls it open within the time.
    f.clock.advance(3_000);
    await f.port.pullOpen(at);
    await f.port.takeParcel(at);
    await f.port.close(at);
    await f.port.settle();
    expect(f.sink.events("door.forced")).toHaveLength(0);
    expect(f.sink.events("parcel.picked_up")).toHaveLength(1);
  });

  it("keeps the code when the door closes on the parcel still inside (presence sensor)", async () => {
    f = await lockerFixture();
    const { parcelId, code, at } = await depositParcel(f, { barcode: "PKG-P3", size: "S" });
    await f.svc.pickup(RESIDENT_KIOSK, code);
    await f.port.settle();
    await f.port.close(at);
    await f.port.settle();
    expect(f.sink.events("parcel.not_removed")[0]?.data).toMatchObject({ parcelId, by: "resident" });
    expect(f.sink.events("parcel.picked_up")).toHaveLength(0);
    expect(f.svc.compartment(at).state).toBe("occupied");
    // Second try: taken this time.
    await f.svc.pickup(RESIDENT_KIOSK, code);
    await f.port.settle();
    await f.port.takeParcel(at);
    await f.port.close(at);
    await f.port.settle();
    expect(f.sink.events("parcel.picked_up")).toHaveLength(1);
  });

  it("does not spend the code when the door jams", async () => {
    f = await lockerFixture();
    const { parcelId, code, at } = await depositParcel(f, { barcode: "PKG-P4", size: "S" });
    f.port.jam(at);
    await f.svc.pickup(RESIDENT_KIOSK, code);
    f.clock.advance(11_000);
    await f.svc.sweep();
    expect(f.sink.events("door.jammed")[0]?.data).toMatchObject({ purpose: "pickup", parcelId });
    expect(f.svc.parcel(parcelId)?.state).toBe("stored");
    // Service fixes the door; the same code now works.
    f.port.unjam(at);
    await f.svc.pickup(RESIDENT_KIOSK, code);
    await f.port.settle();
    await f.port.takeParcel(at);
    await f.port.close(at);
    await f.port.settle();
    expect(f.sink.events("parcel.picked_up")[0]?.data).toMatchObject({ parcelId });
  });

  it("at a terminal serving another locker, sends the resident to the right one without counting a wrong code", async () => {
    f = await lockerFixture({
      layout: [
        ...LAYOUT,
        {
          device: "locker-b",
          compartments: [{ id: "B01", size: "S", zone: "ambient", sensors: { door: true, presence: true } }],
        },
      ],
      terminals: { "kiosk-b": ["locker-b"], [RESIDENT_KIOSK]: [DEVICE, "locker-b"], "kiosk-1": [DEVICE] },
    });
    const { code } = await depositParcel(f, { barcode: "PKG-P5", size: "S" });
    for (let i = 0; i < 6; i++) {
      await expect(f.svc.pickup("kiosk-b", code)).rejects.toMatchObject({
        code: "QH_LOCKER_WRONG_TERMINAL",
        details: { device: DEVICE },
      });
    }
    expect(f.sink.events("kiosk.locked_out")).toHaveLength(0);
    expect((await f.svc.pickup(RESIDENT_KIOSK, code)).door).toBe("pulsed");
  });
});
