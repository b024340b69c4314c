/**
 * The site layout (buses[].devices[].compartments, issue 12) in the locker domain, through the
 * LayoutKeeper as the locker extension wires it (settle after every published state):
 *  - a compartment with enabled: false is out of service (reason disabled) and never allocated;
 *  - a resized compartment is allocated by its new size;
 *  - an occupied compartment disabled still gives up its parcel, and goes out of service once
 *    emptied (never allocated afterwards); enabled again, it is allocated again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { LAYOUT_NOTE, LayoutKeeper } from "../../../src/domain/locker/layout-keeper.js";
import type { LockerBankLayout } from "../../../src/domain/locker/ports.js";
import { DEVICE, depositParcel, type Fixture, KIOSK, LAYOUT, lockerFixture, ref } from "./fixture.js";

const RESIDENT_KIOSK = "kiosk-2";

/** LAYOUT with `changes` applied to its compartments. */
function layoutWith(changes: Record<string, { size?: "XS" | "S" | "M" | "L" | "XL"; enabled?: boolean }>) {
  return LAYOUT.map((b) => ({
    ...b,
    compartments: b.compartments.map((c) => ({ ...c, ...changes[c.id] })),
  })) as LockerBankLayout[];
}

describe("the site layout in the locker", () => {
  let f: Fixture;
  let keeper: LayoutKeeper | undefined;
  afterEach(() => f.cleanup());

  async function start(): Promise<void> {
    f = await lockerFixture({ onState: () => void keeper?.settle() });
    keeper = new LayoutKeeper({ db: f.db, target: f.svc, log: silentLogger(), now: () => f.clock.now() });
  }

  it("never allocates a disabled compartment, and allocates a resized one by its new size", async () => {
    await start();
    // A01 (S) disabled; A05 (L) is now S
    const r = await keeper!.apply(layoutWith({ A01: { enabled: false }, A05: { size: "S" } }));
    expect(r.pending).toEqual([]);
    expect(f.svc.compartment(ref("A01"))).toMatchObject({
      state: "out_of_service",
      reason: "disabled",
      note: LAYOUT_NOTE,
    });
    expect(f.svc.compartment(ref("A05")).size).toBe("S");
    expect(f.svc.availability(KIOSK)).toEqual({ S: 2, M: 2, XL: 1 });

    // an L parcel: A05 is no longer L, so the XL one
    const big = await depositParcel(f, { barcode: "PKG-L", size: "L" });
    expect(big.at.compartment).toBe("A06");
    // S parcels: A02 then A05 (S now), never A01
    const s1 = await depositParcel(f, { barcode: "PKG-S1", size: "S" });
    const s2 = await depositParcel(f, { barcode: "PKG-S2", size: "S" });
    expect([s1.at.compartment, s2.at.compartment]).toEqual(["A02", "A05"]);
    const s3 = await depositParcel(f, { barcode: "PKG-S3", size: "S" });
    expect(s3.at.compartment).toBe("A03"); // the next size up, still not A01
    expect(f.port.pulseCount(ref("A01"))).toBe(0);
  });

  it("keeps an occupied compartment's parcel collectible when it is disabled, then takes it out of service", async () => {
    await start();
    await keeper!.apply(LAYOUT);
    const { parcelId, code, at } = await depositParcel(f, { barcode: "PKG-IN", size: "S" });
    expect(at.compartment).toBe("A01");
    f.svc.endDeposit(KIOSK);

    const r = await keeper!.apply(layoutWith({ A01: { enabled: false } }));
    expect(r.pending).toEqual([{ device: DEVICE, compartment: "A01" }]);
    expect(f.svc.compartment(at).state).toBe("occupied");

    // the resident still gets the parcel
    const open = await f.svc.pickup(RESIDENT_KIOSK, code);
    expect(open).toMatchObject({ parcelId, compartment: "A01", door: "pulsed" });
    await f.port.settle();
    await f.port.takeParcel(at);
    await f.port.close(at);
    await f.port.settle();
    expect(f.svc.parcel(parcelId)?.state).toBe("picked_up");
    // emptied: out of service at once, disabled by the layout
    expect(f.svc.compartment(at)).toMatchObject({ state: "out_of_service", reason: "disabled" });
    expect(keeper!.pending()).toEqual([]);
    expect(f.sink.events("compartment.disabled").map((e) => e.data.compartment)).toEqual(["A01"]);
    const next = await depositParcel(f, { barcode: "PKG-NEXT", size: "S" });
    expect(next.at.compartment).toBe("A02");
    f.svc.endDeposit(KIOSK);

    // enabled again by the layout: allocated again
    await keeper!.apply(LAYOUT);
    expect(f.svc.compartment(at).state).toBe("free");
    const again = await depositParcel(f, { barcode: "PKG-AGAIN", size: "S" });
    expect(again.at.compartment).toBe("A01");
  });

  it("leaves a compartment another party disabled alone when the layout enables it", async () => {
    await start();
    await f.svc.disable(ref("A03"), "broken hinge");
    await keeper!.apply(LAYOUT);
    expect(f.svc.compartment(ref("A03"))).toMatchObject({ state: "out_of_service", note: "broken hinge" });
  });
});
