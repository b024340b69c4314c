/**
 * The same locker site, but its lock-board line is a REAL serial port: a socat pseudo-terminal
 * pair, the gateway on one end (`simulate: false`, bus path = the link), the lockboard-xor
 * simulator on the other (runSimOnPath, driven directly through the sim object: the simulator
 * control API exists for simulated lines only). Courier codes come from the platform
 * (courier.codes.set), as on a real site. A deposit and a pickup work; socat killed (the USB
 * adapter pulled): /health says the bus is down and a door cannot be opened; socat again on the
 * same paths and the simulator back: the bus reconnects by itself and a pickup works, without
 * restarting the gateway.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { boardLock, LOCKER, PTY_COURIER, type SessionView, startPtyLockerSite } from "./support.js";

describe("the lock-board line on a real pseudo-terminal", () => {
  let pty: Awaited<ReturnType<typeof startPtyLockerSite>> | undefined;
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it("deposits and picks up over the pty, survives an unplug, and works again after the replug", async () => {
    pty = await startPtyLockerSite();
    const { site: s, boards } = pty;
    // a real site has no simulator API
    expect((await s.request("GET", `/api/v1/sim/lockers/${LOCKER}/A01`)).status).toBe(404);

    const deposit = async (barcode: string) => {
      expect((await s.kiosk("deposit", { courierCode: PTY_COURIER.code })).status).toBe(200);
      expect((await s.kiosk("deposit/barcode", { barcode })).status).toBe(200);
      const chosen = await s.kiosk<SessionView>("deposit/size", { size: "M" });
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
      const { parcelId, compartment } = chosen.body as Required<SessionView>;
      await waitUntil(async () => (await s.session()).step === "open", 20_000, `${barcode}: door open`);
      expect(boards.isOpen(...boardLock(compartment))).toBe(true);
      boards.closeDoor(...boardLock(compartment));
      await waitUntil(async () => (await s.session()).last?.parcelId === parcelId, 20_000, "deposited");
      expect((await s.session()).last?.outcome).toBe("deposited");
      const e = await s.waitForEvent("parcel.deposited", (x) => x.data.parcelId === parcelId);
      expect(e.data.courier).toBe(PTY_COURIER.id);
      return { parcelId, compartment, code: e.data.pickupCode as string };
    };
    const pickup = async (p: { parcelId: string; compartment: string; code: string }) => {
      const r = await s.kiosk("pickup", { code: p.code });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await waitUntil(() => boards.isOpen(...boardLock(p.compartment)), 20_000, "pickup door open");
      await waitUntil(async () => (await s.parcel(p.parcelId)).state === "collecting", 20_000, "collecting");
      boards.closeDoor(...boardLock(p.compartment));
      await s.waitForEvent("parcel.picked_up", (x) => x.data.parcelId === p.parcelId);
    };

    const first = await deposit("PKG-PTY-1");
    const second = await deposit("PKG-PTY-2");
    expect(first.compartment).not.toBe(second.compartment);
    await pickup(first);

    // unplug: socat dies, both ends of the line vanish
    await pty.unplug();
    await waitUntil(
      async () => (await s.health()).body.problems.includes("bus bus-a down"),
      20_000,
      "bus reported down",
    );
    const h = await s.health();
    expect(h).toMatchObject({ status: 503, body: { status: "degraded", uplink: { connected: true } } });
    // the door cannot be pulsed: a clear refusal, the parcel stays where it is
    const refused = await s.kiosk("pickup", { code: second.code });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: "QH_LOCKER_UNREACHABLE" } } });
    expect((await s.parcel(second.parcelId)).state).toBe("stored");

    // replug on the same paths, the boards answer again: the gateway's link reopens by itself
    await pty.replug();
    await waitUntil(async () => (await s.health()).status === 200, 30_000, "healthy again");
    expect((await s.compartments()).every((c) => c.reachable)).toBe(true);
    await pickup(second);
    expect(await s.compartment(LOCKER, second.compartment)).toMatchObject({ state: "free", doorOpen: false });

    const got = await s.expectAllDelivered();
    expect(got.filter((e) => e.type === "parcel.picked_up").map((e) => e.data.parcelId)).toEqual([
      first.parcelId,
      second.parcelId,
    ]);
  });
});
