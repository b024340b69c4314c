/**
 * A courier deposits a parcel while the platform is unreachable: code, barcode, size M, the door
 * opens (door truth from the simulated board over the bus), parcel in, door shut. The deposit
 * completes locally; the events wait in the outbox and reach the platform, in seq order and with
 * no gap, once the uplink is back.
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

describe("courier deposit while the uplink is down", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("completes locally and its events are delivered once the uplink returns", async () => {
    site = await startLockerSite({ uplinkDown: true });
    const s = site;
    expect((await s.health()).body.uplink.connected).toBe(false);

    // courier code → scan → size
    const start = await s.kiosk<SessionView>("deposit", { courierCode: COURIER_CODE });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ terminal: TERMINAL, courier: COURIER_ID, step: "scan" });
    const scanned = await s.kiosk<SessionView>("deposit/barcode", { barcode: "PKG-0001" });
    expect(scanned.body).toMatchObject({ step: "size", offer: "S" });
    expect(scanned.body.available).toMatchObject({ S: 6, M: 10, L: 6, XL: 2 });
    const chosen = await s.kiosk<SessionView>("deposit/size", { size: "M" });
    expect(chosen.status).toBe(200);
    const { compartment, parcelId } = chosen.body;
    expect(compartment).toBeDefined();
    expect(parcelId).toBeDefined();
    const c = compartment!;

    // the door opens: the board took the pulse, the sensor says open, the session follows
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "session step open");
    expect(await s.simDoorOpen(LOCKER, c)).toBe(true);
    expect(await s.compartment(LOCKER, c)).toMatchObject({ size: "M", doorOpen: true, state: "reserved" });

    // parcel in, door shut
    await s.sim(LOCKER, c, "put");
    await s.sim(LOCKER, c, "close");
    await waitUntil(async () => (await s.session()).last?.outcome === "deposited", 20_000, "deposited");
    const after = await s.session();
    expect(after).toMatchObject({
      step: "scan",
      deposits: 1,
      last: { outcome: "deposited", parcelId, device: LOCKER, compartment: c },
    });
    expect(await s.compartment(LOCKER, c)).toMatchObject({ state: "occupied", doorOpen: false, parcelId });
    expect(await s.parcel(parcelId!)).toMatchObject({ state: "stored", compartment: c });

    // nothing left: it is all durable here, waiting for the platform
    await s.expectPending(["door.opened", "door.closed", "parcel.deposited"]);

    // the platform comes back
    await s.startUplink();
    const got = await s.expectAllDelivered();
    expect(got.map((e) => e.type)).toEqual(["door.opened", "door.closed", "parcel.deposited"]);
    const [opened, closed, deposited] = got;
    expect(opened).toMatchObject({
      device: LOCKER,
      data: { device: LOCKER, compartment: c, parcelId, expected: true, purpose: "deposit" },
    });
    expect(closed).toMatchObject({ device: LOCKER, data: { compartment: c, parcelId } });
    expect(typeof closed!.data.openSeconds).toBe("number");
    expect(deposited).toMatchObject({
      device: LOCKER,
      data: {
        parcelId,
        barcode: "PKG-0001",
        device: LOCKER,
        compartment: c,
        size: "M",
        courier: COURIER_ID,
        terminal: TERMINAL,
      },
    });
    const data = deposited!.data;
    expect(data.pickupCode).toMatch(/^\d{6}$/);
    const hours = (Date.parse(data.deadline as string) - Date.parse(deposited!.ts)) / 3_600_000;
    expect(hours).toBeCloseTo(48, 1);
  });
});
