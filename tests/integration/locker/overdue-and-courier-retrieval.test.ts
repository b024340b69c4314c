/**
 * A parcel nobody collects: past locker.pickupWindowHours the domain's sweep (a 1 s timer) marks it
 * overdue (parcel.overdue, compartment overdue); the courier's code then opens that compartment
 * (POST …/retrieve), the courier takes the parcel and shuts the door: parcel.retrieved, compartment
 * free. Offline throughout; the whole story reaches the platform after the uplink returns. Time is
 * a ManualClock handed to the gateway, moved past the deadline.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, COURIER_ID, LOCKER, type LockerSite, startLockerSite, TERMINAL } from "./support.js";

describe("overdue parcels and the courier's retrieval", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("marks the parcel overdue after the pickup window and lets the courier take it back", async () => {
    const clock = new ManualClock(Date.now());
    site = await startLockerSite({ uplinkDown: true, clock, locker: { pickupWindowHours: 1 } });
    const s = site;
    const depositedAt = clock.now();
    const { parcelId, compartment } = await s.depositParcel("PKG-OVERDUE-1", "L");
    expect((await s.request("DELETE", `/api/v1/kiosk/${TERMINAL}/deposit`)).status).toBe(204);
    expect(await s.parcel(parcelId)).toMatchObject({
      state: "stored",
      deadline: new Date(depositedAt + 3_600_000).toISOString(),
    });

    // nothing is due yet: the courier has nothing to take back
    const early = await s.kiosk("retrieve", { courierCode: COURIER_CODE });
    expect(early).toMatchObject({ status: 404, body: { error: { code: "QH_LOCKER_PARCEL_UNKNOWN" } } });

    // an hour and a moment later, the sweep finds it
    clock.advance(3_600_001);
    await waitUntil(async () => (await s.parcel(parcelId)).state === "overdue", 20_000, "overdue");
    expect(await s.compartment(LOCKER, compartment)).toMatchObject({ state: "overdue", parcelId });

    // the courier takes it back
    const r = await s.kiosk("retrieve", { courierCode: COURIER_CODE });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      courier: COURIER_ID,
      opened: [{ parcelId, device: LOCKER, compartment, door: "pulsed" }],
      failed: [],
    });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "retrieving", 20_000, "retrieving");
    await s.sim(LOCKER, compartment, "take");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "retrieved", 20_000, "retrieved");
    expect(await s.compartment(LOCKER, compartment)).toMatchObject({ state: "free", parcelId: null });
    await s.expectPending([
      "door.opened",
      "door.closed",
      "parcel.deposited",
      "parcel.overdue",
      "door.opened",
      "door.closed",
      "parcel.retrieved",
    ]);

    await s.startUplink();
    const got = await s.expectAllDelivered();
    const overdue = got.find((e) => e.type === "parcel.overdue");
    expect(overdue).toMatchObject({
      device: LOCKER,
      data: {
        parcelId,
        barcode: "PKG-OVERDUE-1",
        device: LOCKER,
        compartment,
        courier: COURIER_ID,
        deadline: new Date(depositedAt + 3_600_000).toISOString(),
      },
    });
    expect(got[4]).toMatchObject({ type: "door.opened", data: { compartment, purpose: "retrieve" } });
    expect(got[6]).toMatchObject({
      type: "parcel.retrieved",
      device: LOCKER,
      data: { parcelId, compartment, courier: COURIER_ID, terminal: TERMINAL, recalled: false },
    });
  });
});
