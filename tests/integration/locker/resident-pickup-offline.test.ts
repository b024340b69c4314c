/**
 * A resident collects a parcel while the platform is unreachable: the pickup code (which the
 * platform learnt from parcel.deposited and sent to the resident) is checked offline against the
 * keyed hash in SQLite, the door opens, the parcel comes out, the door shuts: parcel.picked_up,
 * delivered after the uplink returns. The spent code opens nothing any more.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_ID, LOCKER, type LockerSite, startLockerSite, TERMINAL } from "./support.js";

describe("resident pickup while the uplink is down", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("opens the door for the right code, reports the pickup later, and refuses the spent code", async () => {
    site = await startLockerSite();
    const s = site;

    // the courier deposits while the platform listens: it gets the pickup code
    const { parcelId, compartment } = await s.depositParcel("PKG-PICKUP-1", "S");
    const deposited = await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId);
    const code = deposited.data.pickupCode as string;
    expect(code).toMatch(/^\d{6}$/);
    await s.expectAllDelivered();

    // the platform goes away; the resident comes
    await s.stopUplink();
    const r = await s.kiosk("pickup", { code });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ parcelId, device: LOCKER, compartment, door: "pulsed" });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "collecting", 20_000, "collecting");

    await s.sim(LOCKER, compartment, "take");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "picked_up", 20_000, "picked up");
    expect(await s.compartment(LOCKER, compartment)).toMatchObject({
      state: "free",
      doorOpen: false,
      parcelId: null,
    });
    await s.expectPending(["door.opened", "door.closed", "parcel.picked_up"]);

    // the same code again: spent, it counts as a wrong code, the door stays shut
    const again = await s.kiosk("pickup", { code });
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ error: { code: "QH_LOCKER_CODE_WRONG" } });
    expect(await s.simDoorOpen(LOCKER, compartment)).toBe(false);
    // as a scanned QR code too
    const qr = await s.kiosk("pickup", { code: `qh:pickup:${code}` });
    expect(qr.status).toBe(403);

    // the platform is back: the pickup arrives, in order, nothing missing
    await s.startUplink();
    const got = await s.expectAllDelivered();
    const tail = got.slice(-3);
    expect(tail.map((e) => e.type)).toEqual(["door.opened", "door.closed", "parcel.picked_up"]);
    expect(tail[0]).toMatchObject({ data: { compartment, parcelId, expected: true, purpose: "pickup" } });
    expect(tail[2]).toMatchObject({
      device: LOCKER,
      data: {
        parcelId,
        barcode: "PKG-PICKUP-1",
        device: LOCKER,
        compartment,
        courier: COURIER_ID,
        terminal: TERMINAL,
        overdue: false,
      },
    });
    expect(tail[2]!.data.pickupCode).toBeUndefined();
  });
});
