/**
 * Issue 7 (attacker's review): a pulse whose outcome is unknown (the board went silent: it took
 * the pulse but no answer comes back, e.g. its transmit line is broken) stays pending; once
 * locker.doorOpenTimeoutSeconds have passed, the same code entered again must NOT pulse that door
 * again while the board still cannot be read. Over a REAL serial line (socat pty pair) to a Kerong
 * CU16 simulator whose answers are lost on the wire while it still acts: the resident's first
 * pickup opens the door (unseen), they take the parcel and shut it; the code entered again gets
 * 503 QH_LOCKER_UNREACHABLE and the door is not opened a second time. Pulses are counted on the
 * simulator's side (the unlock frames the board received).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { KerongMessage } from "../../../src/protocols/kerong-cu16/index.js";
import { createKerongSim, type KerongBusSim } from "../../../src/sim/kerong-cu16.js";
import { waitUntil } from "../../helpers/upstream.js";
import { LOCKER, PTY_COURIER, type SessionView, startPtySite } from "./support.js";

type Site = Awaited<ReturnType<typeof startPtySite<KerongBusSim>>>;

describe("a door whose pulse's outcome is unknown", () => {
  let pty: Site | undefined;
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it("is not pulsed again past the open timeout while its board cannot be read", async () => {
    const boards = createKerongSim({ boards: [0], unlockReply: "status" });
    const unlocks: number[] = [];
    let muteOnUnlock = false;
    boards.on("rx", (r) => {
      if (!r.ok || (r.msg as KerongMessage).kind !== "unlock") return;
      unlocks.push((r.msg as { lock: number }).lock);
      // from the pickup on, the board acts but nothing it sends arrives
      if (muteOnUnlock) boards.loseReplies(0, 1_000_000);
    });
    pty = await startPtySite(
      boards,
      {
        protocol: "kerong-cu16",
        baudRate: 19200,
        devices: [{ id: LOCKER, model: "kerong-cu16-bank", address: 0 }],
      },
      { doorOpenTimeoutSeconds: 1 },
    );
    const s = pty.site;

    // a normal deposit into 01 (lock 1)
    expect((await s.kiosk("deposit", { courierCode: PTY_COURIER.code })).status).toBe(200);
    expect((await s.kiosk("deposit/barcode", { barcode: "PKG-BLIND-1" })).status).toBe(200);
    const chosen = await s.kiosk<SessionView>("deposit/size", { size: "S" });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    const { parcelId, compartment } = chosen.body as Required<SessionView>;
    expect(compartment).toBe("01");
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "deposit door open");
    boards.setPresent(0, 1, true);
    boards.closeDoor(0, 1);
    const dep = await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId);
    expect(unlocks).toEqual([1]);

    // the pickup: the board takes the pulse (the door opens) and goes silent
    muteOnUnlock = true;
    const code = dep.data.pickupCode as string;
    const first = await s.kiosk("pickup", { code });
    expect(first).toMatchObject({ status: 503, body: { error: { code: "QH_LOCKER_UNREACHABLE" } } });
    expect(unlocks).toEqual([1, 1]);
    expect(boards.isOpen(0, 1)).toBe(true);
    // the resident takes the parcel and shuts the door; the gateway cannot see any of it
    boards.setPresent(0, 1, false);
    boards.closeDoor(0, 1);

    // the same code again, until the first pulse is no longer "being opened" (the open timeout)
    let again = await s.kiosk("pickup", { code });
    await waitUntil(
      async () => {
        if (again.status !== 409) return true;
        await new Promise((r) => setTimeout(r, 200));
        again = await s.kiosk("pickup", { code });
        return again.status !== 409;
      },
      20_000,
      "past the open timeout",
    );
    expect(again).toMatchObject({ status: 503, body: { error: { code: "QH_LOCKER_UNREACHABLE" } } });
    // no second pulse: the door stays shut, the board was never asked again
    expect(unlocks).toEqual([1, 1]);
    expect(boards.isOpen(0, 1)).toBe(false);
    expect(s.eventsOfType("door.jammed")).toHaveLength(0);
  });
});
