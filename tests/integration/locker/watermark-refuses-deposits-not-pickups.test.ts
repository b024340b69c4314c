/**
 * The free-space watermark (`store.lowDiskMb`, default 200: under a quarter of it free, business
 * events are refused): a deposit is refused with 503 QH_STORE_FULL before any door moves (its
 * events would only wait in locker_outbox); a pickup goes on (it frees a compartment, the resident
 * needs it, and the store still writes), its events wait in locker_outbox, counted in /health
 * (`outbox.waiting`, a problem line) and in the metrics, and leave once the space is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, startLockerSite } from "./support.js";

describe("deposits and pickups at the disk watermark", () => {
  let site: LockerSite;
  let free: number | undefined;
  beforeAll(async () => {
    // the default watermark (lowDiskMb 200); the free space is what the test says
    site = await startLockerSite({ freeBytesOverride: () => free, housekeepingMs: 100 });
  });
  afterAll(async () => {
    await site?.close();
  });

  type Health = { status: string; problems: string[]; outbox: { waiting?: Record<string, number> } };
  const health = async () => (await site.gw.api.inject({ url: "/health" })).json() as Health;

  it("refuses a deposit before any door moves, lets a pickup through, and shows its waiting events", async () => {
    const s = site;
    const { parcelId, compartment } = await s.depositParcel("PKG-WM-1", "S");
    expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-1/deposit")).status).toBe(204);
    const deposited = await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId);
    const code = deposited.data.pickupCode as string;

    free = 10 * 1048576; // 10 MB free: under a quarter of lowDiskMb
    await waitUntil(async () => (await health()).problems.includes("disk full"), 20_000, "watermark full");

    const refused = await s.kiosk("deposit", { courierCode: COURIER_CODE });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: "QH_STORE_FULL" } } });
    expect((await s.kiosk("deposit")).status).toBe(404); // no session
    expect((await s.compartments()).filter((c) => c.doorOpen === true)).toEqual([]);

    const picked = await s.kiosk("pickup", { code });
    expect(picked).toMatchObject({ status: 200, body: { parcelId, door: "pulsed" } });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open");
    await s.sim(LOCKER, compartment, "take");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "picked_up", 20_000, "picked up");
    // its events were refused by the event store (the watermark): they wait, and say so
    await waitUntil(
      async () => ((await health()).outbox.waiting?.locker_outbox ?? 0) > 0,
      20_000,
      "waiting events in /health",
    );
    const h = await health();
    expect(h.status).toBe("degraded");
    expect(h.problems.some((p) => /^locker: \d+ event\(s\) waiting in locker_outbox/.test(p))).toBe(true);
    expect(await s.metric("qh_locker_outbox_pending")).toBeGreaterThan(0);

    free = undefined; // the space is back
    await waitUntil(
      async () => (await health()).outbox.waiting?.locker_outbox === 0,
      20_000,
      "waiting events taken",
    );
    await s.waitForEvent("parcel.picked_up", (e) => e.data.parcelId === parcelId);
    expect(await s.metric("qh_locker_outbox_pending")).toBe(0);
    expect((await s.kiosk("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
    expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-1/deposit")).status).toBe(204);
  });
});
