/**
 * A reservation booked by the platform (locker.reserve over R/cmd, answered on R/cmd-result) holds
 * a compartment for an order; then the uplink goes down, the merchant deposits the order at the
 * kiosk (POST …/deposit/reserved), and the resident collects it with the code the platform chose,
 * all offline. The deposit and pickup events reach the platform once the uplink is back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import {
  COURIER_CODE,
  COURIER_ID,
  LOCKER,
  type LockerSite,
  type SessionView,
  startLockerSite,
  TERMINAL,
} from "./support.js";

describe("a reservation from the platform, deposited and collected offline", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("books a compartment, lets the merchant deposit and the resident collect with the platform's code", async () => {
    site = await startLockerSite();
    const s = site;
    const orderId = "ORD-7731";
    const pickupCode = "482913";
    const deadline = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const id = `cmd-reserve-${Date.now()}`;
    const res = await s.command("locker.reserve", {
      id,
      device: LOCKER,
      args: { orderId, size: "M", pickupCode, deadline },
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(res).toMatchObject({
      id,
      status: "ok",
      result: { orderId, device: LOCKER, size: "M", compartmentSize: "M", deadline, state: "reserved" },
    });
    const { compartment, parcelId } = res.result as { compartment: string; parcelId: string };
    expect(await s.compartment(LOCKER, compartment)).toMatchObject({ state: "reserved", parcelId });
    const booked = await s.waitForEvent("reservation.booked");
    expect(booked).toMatchObject({ device: LOCKER, data: { parcelId, orderId, compartment, size: "M" } });
    expect(booked.data.pickupCode).toBeUndefined();
    await s.expectAllDelivered();

    await s.stopUplink();

    // the code does not open anything before the order is in the locker
    const tooEarly = await s.kiosk("pickup", { code: pickupCode });
    expect(tooEarly).toMatchObject({ status: 404, body: { error: { code: "QH_LOCKER_PARCEL_UNKNOWN" } } });

    // the merchant deposits the order into the booked compartment
    const dep = await s.kiosk<SessionView>("deposit/reserved", { orderId, courierCode: COURIER_CODE });
    expect(dep.status, JSON.stringify(dep.body)).toBe(200);
    expect(dep.body).toMatchObject({ courier: COURIER_ID, parcelId, device: LOCKER, compartment });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "booked door open");
    await s.sim(LOCKER, compartment, "put");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "stored", 20_000, "stored");
    // a reservation's session ends with the deposit
    await waitUntil(async () => (await s.kiosk("deposit")).status === 404, 20_000, "session ended");

    // the resident, with the platform's code
    const pick = await s.kiosk("pickup", { code: pickupCode });
    expect(pick).toMatchObject({ status: 200, body: { parcelId, compartment, door: "pulsed" } });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open for pickup");
    await s.sim(LOCKER, compartment, "take");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "picked_up", 20_000, "picked up");
    expect(await s.compartment(LOCKER, compartment)).toMatchObject({ state: "free", parcelId: null });
    await s.expectPending([
      "door.opened",
      "door.closed",
      "parcel.deposited",
      "door.opened",
      "door.closed",
      "parcel.picked_up",
    ]);

    await s.startUplink();
    const got = await s.expectAllDelivered();
    const deposited = got.find((e) => e.type === "parcel.deposited");
    expect(deposited).toMatchObject({
      device: LOCKER,
      data: { parcelId, orderId, compartment, size: "M", courier: COURIER_ID, terminal: TERMINAL, deadline },
    });
    expect(deposited!.data.pickupCode).toBeUndefined(); // the platform chose it; never sent back
    expect(got.at(-1)).toMatchObject({
      type: "parcel.picked_up",
      data: { parcelId, orderId, compartment, terminal: TERMINAL, overdue: false },
    });
  });
});
