/**
 * Kiosk terminals are the ones declared in the config, and guessing pickup codes with the API
 * token does not scale with invented terminal ids or with the number of terminals:
 *
 * - an undeclared terminal id is 404 QH_LOCKER_TERMINAL_UNKNOWN, whatever the route, and counts
 *   nothing (rotating invented ids buys no guesses);
 * - the 429 of a locked-out terminal never suggests another terminal;
 * - site-wide: siteMaxWrongCodes wrong codes across all terminals put the whole site into slowed
 *   mode (429 QH_LOCKER_SITE_SLOWED at every terminal, even for the right code) and raise
 *   kiosk.guessing_suspected (checked against its schema); the right code works again once the
 *   slowed interval has passed;
 * - a terminal opens only its own banks' doors (QH_LOCKER_WRONG_TERMINAL);
 * - the same code at two terminals at once opens one door, and only one terminal is told so.
 * Time is a ManualClock handed to the gateway.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { waitUntil } from "../../helpers/upstream.js";
import { demoBus, LOCKER, type LockerSite, startLockerSite, TERMINAL } from "./support.js";

type Err = { error: { code: string; message: string; hint?: string; details?: Record<string, unknown> } };

describe("kiosk terminals and the site-wide guessing guard", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  async function storedCode(s: LockerSite, barcode: string) {
    const { parcelId, compartment } = await s.depositParcel(barcode, "S");
    const code = (await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId)).data
      .pickupCode as string;
    expect((await s.request("DELETE", `/api/v1/kiosk/${TERMINAL}/deposit`)).status).toBe(204);
    return { parcelId, compartment, code };
  }

  it("refuses undeclared terminals with 404 and counts nothing; a lock-out never points elsewhere", async () => {
    site = await startLockerSite({ locker: { maxWrongCodes: 2 } });
    const s = site;
    const { compartment, code } = await storedCode(s, "PKG-T-1");
    for (let i = 0; i < 40; i++) {
      const invented = `kiosk-x${i}`;
      const r = await s.kiosk<Err>("pickup", { code: i === 39 ? code : String(100000 + i) }, invented);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("QH_LOCKER_TERMINAL_UNKNOWN");
    }
    for (const [method, path] of [
      ["GET", "availability"],
      ["GET", "deposit"],
      ["DELETE", "deposit"],
    ] as const) {
      const r = await s.request<Err>(method, `/api/v1/kiosk/nobody/${path}`);
      expect(r, `${method} ${path}`).toMatchObject({
        status: 404,
        body: { error: { code: "QH_LOCKER_TERMINAL_UNKNOWN" } },
      });
    }
    expect(await s.simDoorOpen(LOCKER, compartment)).toBe(false);

    const wrong = code === "111111" ? "222222" : "111111";
    expect((await s.kiosk("pickup", { code: wrong })).status).toBe(403);
    const locked = await s.kiosk<Err>("pickup", { code: wrong });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("QH_LOCKER_LOCKED_OUT");
    expect(JSON.stringify(locked.body)).not.toMatch(/another terminal|other terminal|elsewhere/i);
    const again = await s.kiosk<Err>("pickup", { code });
    expect(again.status).toBe(429);
    expect(JSON.stringify(again.body)).not.toMatch(/another terminal|other terminal|elsewhere/i);
    expect(s.received().filter((e) => e.type === "kiosk.guessing_suspected")).toHaveLength(0);
  });

  it("slows the whole site after siteMaxWrongCodes across terminals, reports it, and recovers", async () => {
    const clock = new ManualClock(Date.now());
    // 4 wrong codes an hour site-wide: slowed mode takes one code per 15 minutes
    site = await startLockerSite({
      clock,
      locker: { maxWrongCodes: 100, siteMaxWrongCodes: 4, siteWindowHours: 1 },
    });
    const s = site;
    const { parcelId, compartment, code } = await storedCode(s, "PKG-T-2");
    const guesses = ["000001", "000002", "000003", "000004"].filter((g) => g !== code);
    const terminals = [TERMINAL, "kiosk-2", TERMINAL];
    for (let i = 0; i < 3; i++) {
      expect((await s.kiosk("pickup", { code: guesses[i] }, terminals[i])).status).toBe(403);
      clock.advance(1000);
    }
    // the 4th wrong code, by a courier code at the other terminal, crosses the site's limit
    expect((await s.kiosk("deposit", { courierCode: "NOTACOURIER9" }, "kiosk-2")).status).toBe(403);
    const lastWrong = clock.now();
    for (const t of [TERMINAL, "kiosk-2"]) {
      const r = await s.kiosk<Err>("pickup", { code }, t);
      expect(r.status, t).toBe(429);
      expect(r.body.error.code).toBe("QH_LOCKER_SITE_SLOWED");
      expect(r.body.error.details?.retryAt).toBe(new Date(lastWrong + 15 * 60_000).toISOString());
      expect(JSON.stringify(r.body)).not.toMatch(/another terminal|other terminal/i);
    }
    expect(await s.simDoorOpen(LOCKER, compartment)).toBe(false);
    const event = await s.waitForEvent("kiosk.guessing_suspected");
    expect(event).toMatchObject({
      device: "kiosk-2",
      data: {
        terminal: "kiosk-2",
        wrongCodes: 4,
        windowHours: 1,
        terminals: [TERMINAL, "kiosk-2"],
        slowedSeconds: 900,
        lastCodeKind: "courier",
      },
    });
    s.expectContract(); // including event.kiosk.guessing_suspected.schema.json

    // one wrong code per interval, site-wide: the next guess is taken only after 15 minutes
    clock.advance(15 * 60_000);
    expect((await s.kiosk("pickup", { code: guesses[0] }, "kiosk-2")).status).toBe(403);
    expect((await s.kiosk<Err>("pickup", { code }, TERMINAL)).body.error.code).toBe("QH_LOCKER_SITE_SLOWED");
    expect(s.received().filter((e) => e.type === "kiosk.guessing_suspected")).toHaveLength(1);
    clock.advance(15 * 60_000);
    const ok = await s.kiosk("pickup", { code }, TERMINAL);
    expect(ok).toMatchObject({ status: 200, body: { parcelId, compartment, door: "pulsed" } });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open");
    await s.sim(LOCKER, compartment, "close");
  });

  it("the same code at two terminals at once: one door opens, and only one terminal is told so", async () => {
    site = await startLockerSite();
    const s = site;
    const { parcelId, compartment, code } = await storedCode(s, "PKG-T-3");
    const [a, b] = await Promise.all([
      s.kiosk<Err>("pickup", { code }, TERMINAL),
      s.kiosk<Err>("pickup", { code }, "kiosk-2"),
    ]);
    const answers = [a, b].map((r) => r.status).sort();
    expect(answers).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error).toMatchObject({ code: "QH_LOCKER_BUSY", details: { parcelId, compartment } });
    const winner = a.status === 200 ? a : b;
    expect(winner.body).toMatchObject({ parcelId, compartment, door: "pulsed" });
    await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open");
    await waitUntil(
      async () => (await s.compartment(LOCKER, compartment)).doorOpen === true,
      20_000,
      "seen open",
    );
    // with the door open, a third entry of the code is not told it opened anything either
    const third = await s.kiosk<Err>("pickup", { code }, "kiosk-2");
    expect(third).toMatchObject({ status: 409, body: { error: { code: "QH_LOCKER_BUSY" } } });
    await s.sim(LOCKER, compartment, "take");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.parcel(parcelId)).state === "picked_up", 20_000, "picked up");
    const picked = await s.waitForEvent("parcel.picked_up");
    expect(picked.data.terminal).toBe(winner === a ? TERMINAL : "kiosk-2");
  });

  it("a terminal opens only its own banks' doors", async () => {
    site = await startLockerSite({
      buses: [demoBus("bus-a", "locker-a"), demoBus("bus-b", "locker-b")],
      terminals: [
        { id: TERMINAL, banks: ["locker-a"] },
        { id: "kiosk-b", banks: ["locker-b"] },
      ],
    });
    const s = site;
    const { parcelId, compartment, code } = await storedCode(s, "PKG-T-4");
    expect((await s.parcel(parcelId)) as unknown).toMatchObject({ state: "stored" });
    const wrongBank = await s.kiosk<Err>("pickup", { code }, "kiosk-b");
    expect(wrongBank).toMatchObject({
      status: 409,
      body: { error: { code: "QH_LOCKER_WRONG_TERMINAL", details: { device: "locker-a" } } },
    });
    expect(await s.simDoorOpen("locker-a", compartment)).toBe(false);
    // kiosk-b's deposits land in its own bank only
    const avail = await s.kiosk<{ available: Record<string, number> }>("availability", undefined, "kiosk-b");
    expect(avail.body.available).toEqual({ S: 6, M: 10, L: 6, XL: 2 });
    const ok = await s.kiosk("pickup", { code }, TERMINAL);
    expect(ok).toMatchObject({ status: 200, body: { device: "locker-a", door: "pulsed" } });
    await waitUntil(() => s.simDoorOpen("locker-a", compartment), 20_000, "door open");
    await s.sim("locker-a", compartment, "close");
  });

  it("a scan is its scanner's terminal's: the courier code scanned at scanner-a starts kiosk-a's deposit", async () => {
    const scanner = (id: string) => ({
      id: `bus-${id}`,
      path: `sim://bus-${id}`,
      protocol: "scanner-line",
      devices: [{ id, model: "generic-serial-scanner" }],
    });
    site = await startLockerSite({
      uplinkDown: true,
      buses: [demoBus(), scanner("scanner-a"), scanner("scanner-loose")],
      terminals: [{ id: "kiosk-a", banks: [LOCKER], scanner: "scanner-a" }],
    });
    const s = site;
    // a scanner bound to no terminal starts nothing anywhere; a scanner's own id is no terminal
    await s.request("POST", "/api/v1/sim/scanners/scanner-loose/scan", { code: "qh:courier:24681357" });
    expect((await s.request("GET", "/api/v1/kiosk/scanner-loose/deposit")).status).toBe(404);
    const r = await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: "qh:courier:24681357" });
    expect(r.status).toBe(200);
    await waitUntil(
      async () => (await s.request("GET", "/api/v1/kiosk/kiosk-a/deposit")).status === 200,
      20_000,
      "kiosk-a's deposit session",
    );
    expect(await s.session("kiosk-a")).toMatchObject({ terminal: "kiosk-a", step: "scan" });
  });
});
