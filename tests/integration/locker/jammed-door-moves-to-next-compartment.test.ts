/**
 * A deposit whose door does not open (the lock is jammed: the board takes the pulse, the door
 * sensor never reports open): after locker.doorOpenTimeoutSeconds the compartment is reported
 * door.jammed and taken out of service, and the deposit moves on to the next free compartment of
 * the size, where it completes. All while the uplink is down; the events arrive afterwards.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, type SessionView, startLockerSite } from "./support.js";

describe("a jammed door during a deposit", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("is reported jammed, taken out of service, and the parcel goes into the next compartment", async () => {
    site = await startLockerSite({ uplinkDown: true, locker: { doorOpenTimeoutSeconds: 1 } });
    const s = site;

    // the compartment the deposit will be given: the first free M (smallest size, layout order)
    const all = await s.compartments(LOCKER);
    const freeM = all.filter((c) => c.size === "M" && c.state === "free");
    const jammed = freeM[0]!.compartment;
    await s.sim(LOCKER, jammed, "jam");

    expect((await s.kiosk("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
    expect((await s.kiosk("deposit/barcode", { barcode: "PKG-JAM-1" })).status).toBe(200);
    const chosen = await s.kiosk<SessionView>("deposit/size", { size: "M" });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toMatchObject({ step: "opening", compartment: jammed });
    const parcelId = chosen.body.parcelId!;

    // the pulse went out, the door stayed shut: jammed, out of service, the next M is opened
    await waitUntil(
      async () => (await s.compartment(LOCKER, jammed)).state === "out_of_service",
      20_000,
      "jammed compartment out of service",
    );
    expect(await s.compartment(LOCKER, jammed)).toMatchObject({ reason: "jammed", doorOpen: false });
    expect(await s.simDoorOpen(LOCKER, jammed)).toBe(false);
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "the next door open");
    const moved = await s.session();
    expect(moved).toMatchObject({ parcelId, size: "M", last: { outcome: "moved_after_jam" } });
    const next = moved.compartment!;
    expect(next).not.toBe(jammed);
    expect(freeM.map((c) => c.compartment)).toContain(next);
    expect(await s.simDoorOpen(LOCKER, next)).toBe(true);

    await s.sim(LOCKER, next, "put");
    await s.sim(LOCKER, next, "close");
    await waitUntil(async () => (await s.session()).last?.outcome === "deposited", 20_000, "deposited");
    expect(await s.parcel(parcelId)).toMatchObject({ state: "stored", compartment: next });
    expect(await s.compartment(LOCKER, next)).toMatchObject({ state: "occupied", parcelId });
    expect(await s.compartment(LOCKER, jammed)).toMatchObject({
      state: "out_of_service",
      reason: "jammed",
      parcelId: null,
    });
    // a jammed compartment is not offered any more
    expect((await s.session()).available.M).toBe(freeM.length - 2);
    await s.expectPending(["door.jammed", "door.opened", "door.closed", "parcel.deposited"]);

    await s.startUplink();
    const got = await s.expectAllDelivered();
    expect(got.map((e) => e.type)).toEqual(["door.jammed", "door.opened", "door.closed", "parcel.deposited"]);
    expect(got[0]).toMatchObject({
      device: LOCKER,
      data: { device: LOCKER, compartment: jammed, purpose: "deposit", parcelId, timeoutSeconds: 1 },
    });
    expect(got[1]).toMatchObject({
      data: { compartment: next, parcelId, expected: true, purpose: "deposit" },
    });
    expect(got[3]).toMatchObject({ data: { parcelId, compartment: next, size: "M" } });
  });
});
