/**
 * GET /api/v1/kiosk/{t}/status, what the kiosk page polls: no session is `deposit: null` (not a
 * 404), a session shows its step; a resident's pickup at this terminal shows up as the terminal's
 * last door notice (`collect`, its seq growing: open, then done when the door shuts), and not at
 * another terminal; an undeclared terminal is 404 QH_LOCKER_TERMINAL_UNKNOWN like every kiosk route.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, startLockerSite } from "./support.js";

type Site = Awaited<ReturnType<typeof startLockerSite>>;
type Status = {
  deposit: { step: string } | null;
  collect: { seq: number; kind: string; compartment: string; status: string } | null;
  available: Record<string, number>;
};
let site: Site | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

describe("GET /kiosk/{t}/status", () => {
  it("reports the session, this terminal's door notices and the free compartments", async () => {
    site = await startLockerSite({ uplinkDown: true });
    const s = site;
    const status = async (t = "kiosk-1") => (await s.kiosk<Status>("status", undefined, t)).body;
    const idle = await status();
    expect(idle.deposit).toBeNull();
    expect(idle.collect).toBeNull();
    expect(idle.available).toEqual({ S: 6, M: 10, L: 6, XL: 2 });

    expect((await s.kiosk("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
    expect((await status()).deposit?.step).toBe("scan");
    expect((await status("kiosk-2")).deposit).toBeNull();
    await s.request("DELETE", "/api/v1/kiosk/kiosk-1/deposit");

    // a stored parcel (via a reservation: its code is known without the uplink), picked up at kiosk-1
    const reserve = await s.gw.router.handleMessage(
      "locker.reserve",
      Buffer.from(
        JSON.stringify({
          id: "cmd-status-1",
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
          args: {
            orderId: "ORD-STATUS-1",
            size: "S",
            pickupCode: "550123",
            deadline: new Date(Date.now() + 86_400_000).toISOString(),
          },
        }),
      ),
    );
    expect(JSON.stringify(reserve)).toContain("ok");
    expect((await s.kiosk("deposit/reserved", { orderId: "ORD-STATUS-1" })).status).toBe(200);
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "merchant door open");
    const compartment = (await s.session()).compartment!;
    await s.sim(LOCKER, compartment, "put");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await status()).deposit === null, 20_000, "reservation stored");

    expect((await s.kiosk("pickup", { code: "550123" })).status).toBe(200);
    await waitUntil(async () => (await status()).collect?.status === "open", 20_000, "door open notice");
    const open = (await status()).collect!;
    expect(open).toMatchObject({ kind: "pickup", compartment, status: "open" });
    expect((await status("kiosk-2")).collect).toBeNull();
    await s.sim(LOCKER, compartment, "take");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await status()).collect?.status === "done", 20_000, "door closed notice");
    expect((await status()).collect!.seq).toBeGreaterThan(open.seq);

    const unknown = await s.kiosk<{ error: { code: string } }>("status", undefined, "kiosk-9");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("QH_LOCKER_TERMINAL_UNKNOWN");
  });
});
