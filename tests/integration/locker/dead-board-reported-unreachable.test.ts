/**
 * One of the bank's two lock boards dies (power, wire): the bus master marks it unreachable after
 * its retries, /health turns degraded and names it, its compartments are shown unreachable, and a
 * deposit is only offered (and given) compartments on the live board, which keeps working. The
 * board comes back: reachable again, health ok, its compartments offered again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, type SessionView, startLockerSite } from "./support.js";

/** demo-bank-24 at address 1: board 1 drives A01–A12, board 2 drives A13–A24. */
const onBoard2 = (compartment: string) => Number(compartment.slice(1)) >= 13;

describe("a dead lock board", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("is reported unreachable, its doors are not offered, and it comes back when revived", async () => {
    site = await startLockerSite();
    const s = site;
    await waitUntil(async () => (await s.health()).status === 200, 20_000, "healthy");
    expect((await s.compartments()).every((c) => c.reachable)).toBe(true);

    const killed = await s.request("POST", `/api/v1/sim/lockers/${LOCKER}/boards/2/kill`);
    expect(killed).toMatchObject({ status: 200, body: { board: 2, alive: false } });

    await waitUntil(async () => (await s.health()).status === 503, 20_000, "health degraded");
    const h = await s.health();
    expect(h.body.status).toBe("degraded");
    expect(h.body.uplink.connected).toBe(true);
    expect(h.body.problems).toEqual([`bus bus-a: ${LOCKER}@2 unreachable`]);
    await waitUntil(
      async () => (await s.compartments()).filter((c) => !c.reachable).length === 12,
      20_000,
      "board 2's compartments unreachable",
    );
    for (const c of await s.compartments()) expect(c.reachable).toBe(!onBoard2(c.compartment));

    // a deposit: only board 1's sizes are on offer (S and M), an L cannot be had
    expect((await s.kiosk("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
    const scanned = await s.kiosk<SessionView>("deposit/barcode", { barcode: "PKG-DEAD-1" });
    expect(scanned.body.available).toEqual({ S: 6, M: 6 });
    expect(scanned.body.offer).toBe("S");
    const large = await s.kiosk("deposit/size", { size: "L" });
    expect(large).toMatchObject({ status: 409, body: { error: { code: "QH_LOCKER_NO_COMPARTMENT" } } });
    const chosen = await s.kiosk<SessionView>("deposit/size", { size: "M" });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    const compartment = chosen.body.compartment!;
    expect(onBoard2(compartment)).toBe(false);
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "door open on the live board");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(async () => (await s.session()).last?.outcome === "deposited", 20_000, "deposited");
    expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-1/deposit")).status).toBe(204);

    // the board comes back
    const revived = await s.request("POST", `/api/v1/sim/lockers/${LOCKER}/boards/2/revive`);
    expect(revived).toMatchObject({ status: 200, body: { board: 2, alive: true } });
    await waitUntil(async () => (await s.health()).status === 200, 30_000, "healthy again");
    expect((await s.health()).body).toMatchObject({ status: "ok", problems: [] });
    await waitUntil(
      async () => (await s.compartments()).every((c) => c.reachable),
      20_000,
      "all compartments reachable",
    );
    expect((await s.kiosk<{ available: Record<string, number> }>("availability")).body.available).toEqual({
      S: 6,
      M: 9,
      L: 6,
      XL: 2,
    });

    const got = await s.expectAllDelivered();
    expect(got.map((e) => e.type)).toEqual(["door.opened", "door.closed", "parcel.deposited"]);
    expect(got[2]).toMatchObject({ data: { compartment, size: "M" } });
  });
});
