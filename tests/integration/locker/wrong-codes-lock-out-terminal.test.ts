/**
 * Guessing codes at a kiosk: locker.maxWrongCodes wrong codes (pickup and courier codes count
 * alike) lock the terminal out for locker.lockoutMinutes, offline: 429 QH_LOCKER_LOCKED_OUT and a
 * durable kiosk.locked_out event. While locked out even the right codes are refused and no door
 * moves; another terminal is not affected; when the lockout ends the right code works again.
 * Time is a ManualClock handed to the gateway (the domain reads the injected clock).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, startLockerSite, TERMINAL } from "./support.js";

describe("wrong codes lock the terminal out", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("locks out after maxWrongCodes, refuses the right code meanwhile, and reports it", async () => {
    const clock = new ManualClock(Date.now());
    site = await startLockerSite({ clock, locker: { maxWrongCodes: 3, lockoutMinutes: 1 } });
    const s = site;
    const { parcelId, compartment } = await s.depositParcel("PKG-LOCKOUT-1", "S");
    const code = (await s.waitForEvent("parcel.deposited")).data.pickupCode as string;
    expect(await s.kiosk("deposit", {})).toMatchObject({ status: 400 }); // schema: no code at all
    const ended = await s.request("DELETE", `/api/v1/kiosk/${TERMINAL}/deposit`);
    expect(ended.status).toBe(204);
    await s.expectAllDelivered();
    await s.stopUplink();

    const wrong = code === "111111" ? "222222" : "111111";
    const first = await s.kiosk("pickup", { code: wrong });
    expect(first).toMatchObject({ status: 403, body: { error: { code: "QH_LOCKER_CODE_WRONG" } } });
    expect(first.body).toMatchObject({ error: { details: { attemptsLeft: 2 } } });
    const second = await s.kiosk("pickup", { code: `${wrong}9` });
    expect(second).toMatchObject({ status: 403, body: { error: { details: { attemptsLeft: 1 } } } });
    const third = await s.kiosk("deposit", { courierCode: "NOTACOURIER1" });
    expect(third).toMatchObject({ status: 429, body: { error: { code: "QH_LOCKER_LOCKED_OUT" } } });
    const until = (third.body as { error: { details: { until: string } } }).error.details.until;
    expect(Date.parse(until)).toBe(clock.now() + 60_000);

    // locked out: the right pickup code and the right courier code are refused, no door moves
    const right = await s.kiosk("pickup", { code });
    expect(right).toMatchObject({ status: 429, body: { error: { code: "QH_LOCKER_LOCKED_OUT" } } });
    const courier = await s.kiosk("deposit", { courierCode: COURIER_CODE });
    expect(courier).toMatchObject({ status: 429, body: { error: { code: "QH_LOCKER_LOCKED_OUT" } } });
    expect(await s.simDoorOpen(LOCKER, compartment)).toBe(false);
    expect((await s.parcel(parcelId)).state).toBe("stored");
    await s.expectPending(["kiosk.locked_out"]);

    // another terminal is not locked
    const other = await s.kiosk("deposit", { courierCode: COURIER_CODE }, "kiosk-2");
    expect(other.status).toBe(200);
    expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-2/deposit")).status).toBe(204);

    // the lockout ends: the right code opens the door
    clock.advance(60_001);
    const later = await s.kiosk("pickup", { code });
    expect(later).toMatchObject({ status: 200, body: { parcelId, compartment, door: "pulsed" } });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "picked_up", 20_000, "picked up");

    await s.startUplink();
    const got = await s.expectAllDelivered();
    const locked = got.filter((e) => e.type === "kiosk.locked_out");
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({
      device: TERMINAL,
      data: { terminal: TERMINAL, attempts: 3, until, lockoutMinutes: 1, lastCodeKind: "courier" },
    });
    expect(got.slice(-3).map((e) => e.type)).toEqual(["door.opened", "door.closed", "parcel.picked_up"]);
  });
});
