/**
 * Loading a compartment by scan through the whole gateway: the courier's deposit at kiosk-a, the
 * door open, a pack's GS1 DataMatrix label scanned at the kiosk's serial scanner (the simulator
 * sends it with GS separators) is recorded with the parcel (parcel.lot_loaded); trace.recall over
 * the uplink names the parcel and blocks it; with the platform gone, the resident's right code is
 * refused (QH_TRACE_LOT_RECALLED) and no door moves.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type SessionView, startLockerSite, withScanner } from "../locker/support.js";

const GTIN = "04012345678901";
const label = encodeGs1(
  [
    { ai: "01", value: GTIN },
    { ai: "21", value: "SN-1" },
    { ai: "10", value: "DUMPLING-3" },
    { ai: "17", value: "301200" },
  ],
  { symbology: "]d2" },
);

describe("a lot scanned into a parcel at the kiosk, then recalled", () => {
  let site: Awaited<ReturnType<typeof startLockerSite>> | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("records the lot with the parcel, and a recall refuses the resident's pickup before any door moves", async () => {
    site = await startLockerSite(withScanner());
    const s = site;
    const k = (path: string, body?: Record<string, unknown>) => s.kiosk<SessionView>(path, body, "kiosk-a");
    expect((await k("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
    expect((await k("deposit/barcode", { barcode: "PKG-FROZEN-1" })).status).toBe(200);
    const chosen = await k("deposit/size", { size: "M" });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    const { parcelId, compartment } = chosen.body as { parcelId: string; compartment: string };
    await waitUntil(async () => (await k("deposit")).body.step === "open", 20_000, "deposit door open");

    // the pack's label, scanned while the door is open: GS between the fields, as a real scanner sends
    const scanned = await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: label });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
    const loaded = await s.waitForEvent("parcel.lot_loaded");
    expect(loaded).toMatchObject({
      device: LOCKER,
      data: { parcelId, compartment, gtin: GTIN, lot: "DUMPLING-3", expiry: "2030-12-31", quantity: 1 },
    });
    await s.sim(LOCKER, compartment, "put");
    await s.sim(LOCKER, compartment, "close");
    const deposited = await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId);
    const code = deposited.data.pickupCode as string;

    const recall = await s.command("trace.recall", {
      id: "recall-dumpling-3",
      args: { gtin: GTIN, lot: "DUMPLING-3", reason: "supplier recall" },
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(recall).toMatchObject({
      status: "ok",
      result: {
        alreadyRecalled: false,
        blocked: { slots: [], parcels: [{ parcelId, device: LOCKER, compartment, state: "stored" }] },
        trace: { parcels: [{ parcelId, collected: false }] },
      },
    });
    await s.waitForEvent("parcel.recalled", (e) => e.data.parcelId === parcelId);

    // offline: the block needs nothing from the platform
    await s.stopUplink();
    const pickup = await s.kiosk("pickup", { code }, "kiosk-a");
    expect(pickup.status).toBe(409);
    expect(pickup.body).toMatchObject({ error: { code: "QH_TRACE_LOT_RECALLED" } });
    expect(await s.simDoorOpen(LOCKER, compartment)).toBe(false);
    expect((await s.parcel(parcelId)).state).toBe("stored");
  });
});
