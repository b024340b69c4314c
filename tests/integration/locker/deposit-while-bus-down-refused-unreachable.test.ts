/**
 * A courier tries to deposit while the lock-board line is down (the USB adapter pulled: socat
 * killed under a real pseudo-terminal line). No door can be opened, and the kiosk says so: 503
 * QH_LOCKER_UNREACHABLE, the same answer a pickup gets, not "no free compartment of that size,
 * try another size", which would send the courier round every size and tell the platform the
 * locker was full. The session stays at the size step; once the line is back the same deposit
 * goes through.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { boardLock, PTY_COURIER, type SessionView, startPtyLockerSite } from "./support.js";

describe("a deposit while the lock-board line is down", () => {
  let pty: Awaited<ReturnType<typeof startPtyLockerSite>> | undefined;
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it("is refused as unreachable, and goes through once the line is back", async () => {
    pty = await startPtyLockerSite();
    const { site: s, boards } = pty;
    await pty.unplug();
    await waitUntil(
      async () => (await s.health()).body.problems.includes("bus bus-a down"),
      20_000,
      "bus reported down",
    );

    expect((await s.kiosk("deposit", { courierCode: PTY_COURIER.code })).status).toBe(200);
    expect((await s.kiosk("deposit/barcode", { barcode: "PKG-DOWN-1" })).status).toBe(200);
    const refused = await s.kiosk("deposit/size", { size: "M" });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: "QH_LOCKER_UNREACHABLE" } } });
    expect(await s.session()).toMatchObject({ step: "size", barcode: "PKG-DOWN-1" });

    await pty.replug();
    await waitUntil(async () => (await s.health()).status === 200, 30_000, "line back");
    const chosen = await s.kiosk<SessionView>("deposit/size", { size: "M" });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    const compartment = chosen.body.compartment!;
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "door open");
    boards.closeDoor(...boardLock(compartment));
    await waitUntil(async () => (await s.session()).last?.outcome === "deposited", 20_000, "deposited");
    await s.expectAllDelivered();
    expect(s.eventsOfType("parcel.deposited")).toHaveLength(1);
  });
});
