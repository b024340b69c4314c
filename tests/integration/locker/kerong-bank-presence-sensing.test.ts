/**
 * A Kerong CU16 bank (kerong-cu16 protocol, `sim://bus-k`) has an infrared "item present" sensor
 * in every compartment, and the deposit believes it: a door shut on an empty compartment is
 * parcel.deposit_failed (closed_empty) and the compartment is free again; with the parcel inside it
 * is parcel.deposited. Offline; the events arrive when the uplink returns. Then a resident who shuts
 * the door on the parcel gets parcel.not_removed (the code keeps working), and parcel.picked_up once
 * it is out.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_ID, type LockerSite, type SessionView, startLockerSite } from "./support.js";

const KERONG = "locker-k";

describe("a Kerong bank with presence sensors", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("fails a deposit closed on an empty compartment and completes one with the parcel inside", async () => {
    site = await startLockerSite({
      uplinkDown: true,
      buses: [
        {
          id: "bus-k",
          path: "sim://bus-k",
          protocol: "kerong-cu16",
          pollIntervalMs: 50,
          devices: [{ id: KERONG, model: "kerong-cu16-bank", address: 0 }],
        },
      ],
    });
    const s = site;
    await waitUntil(
      async () => (await s.compartments(KERONG)).every((c) => c.present === false),
      20_000,
      "first reading of every sensor",
    );

    // the door shut with nothing inside
    const empty = await s.depositParcel("PKG-K-1", "M", { put: false, device: KERONG });
    expect((await s.session()).last).toMatchObject({
      outcome: "deposit_failed",
      parcelId: empty.parcelId,
      reason: "closed_empty",
    });
    expect(await s.parcel(empty.parcelId)).toMatchObject({ state: "failed" });
    expect(await s.compartment(KERONG, empty.compartment)).toMatchObject({
      state: "free",
      present: false,
      parcelId: null,
    });

    // the courier is back at the size step for the same parcel; this time it goes in
    expect(await s.session()).toMatchObject({ step: "size", barcode: "PKG-K-1" });
    const again = await s.kiosk<SessionView>("deposit/size", { size: "M" });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const full = { parcelId: again.body.parcelId!, compartment: again.body.compartment! };
    expect(full.parcelId).not.toBe(empty.parcelId);
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "door open again");
    await s.sim(KERONG, full.compartment, "put");
    await waitUntil(
      async () => (await s.compartment(KERONG, full.compartment)).present === true,
      20_000,
      "parcel seen inside",
    );
    await s.sim(KERONG, full.compartment, "close");
    await waitUntil(async () => (await s.session()).last?.outcome === "deposited", 20_000, "deposited");
    expect(await s.compartment(KERONG, full.compartment)).toMatchObject({
      state: "occupied",
      present: true,
      parcelId: full.parcelId,
    });
    await s.expectPending([
      "door.opened",
      "door.closed",
      "parcel.deposit_failed",
      "door.opened",
      "door.closed",
      "parcel.deposited",
    ]);

    await s.startUplink();
    const got = await s.expectAllDelivered();
    expect(got[2]).toMatchObject({
      type: "parcel.deposit_failed",
      device: KERONG,
      data: {
        parcelId: empty.parcelId,
        barcode: "PKG-K-1",
        device: KERONG,
        compartment: empty.compartment,
        reason: "closed_empty",
        courier: COURIER_ID,
      },
    });
    expect(got[1]).toMatchObject({ type: "door.closed", data: { present: false } });
    expect(got[4]).toMatchObject({ type: "door.closed", data: { present: true } });
    expect(got[5]).toMatchObject({
      type: "parcel.deposited",
      data: { parcelId: full.parcelId, compartment: full.compartment, size: "M" },
    });
    const code = got[5]!.data.pickupCode as string;
    expect(code).toMatch(/^\d{6}$/);

    // the resident opens the door and shuts it again without taking the parcel: not removed
    expect((await s.kiosk("pickup", { code })).status).toBe(200);
    await waitUntil(() => s.simDoorOpen(KERONG, full.compartment), 20_000, "door open for pickup");
    await s.sim(KERONG, full.compartment, "close");
    const notRemoved = await s.waitForEvent("parcel.not_removed");
    expect(notRemoved).toMatchObject({
      device: KERONG,
      data: { parcelId: full.parcelId, compartment: full.compartment, by: "resident" },
    });
    expect(await s.parcel(full.parcelId)).toMatchObject({ state: "stored" });
    // the code still works; this time the parcel comes out
    expect((await s.kiosk("pickup", { code })).status).toBe(200);
    await waitUntil(() => s.simDoorOpen(KERONG, full.compartment), 20_000, "door open again");
    await s.sim(KERONG, full.compartment, "take");
    await waitUntil(
      async () => (await s.compartment(KERONG, full.compartment)).present === false,
      20_000,
      "parcel seen gone",
    );
    await s.sim(KERONG, full.compartment, "close");
    const picked = await s.waitForEvent("parcel.picked_up");
    expect(picked).toMatchObject({ data: { parcelId: full.parcelId, compartment: full.compartment } });
    expect(await s.compartment(KERONG, full.compartment)).toMatchObject({ state: "free", present: false });
    await s.expectAllDelivered();
  });
});
