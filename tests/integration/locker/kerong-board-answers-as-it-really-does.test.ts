/**
 * Issue 7, over a REAL serial line (a socat pseudo-terminal pair): a Kerong CU16 bank
 * (kerong-cu16-bank at board 0, 19200 baud) whose board answers as boards really do, and as they
 * fail. Pulses are counted on the simulator's side: the unlock frames the board actually received.
 *
 *  - The board answers an unlock with its 9-byte status, CMD 31 kept and lock nibble 0
 *    (`02 00 31 FE FF 00 00 03 33`), or a 35 status with lock nibble 0, or an echo without state:
 *    a whole deposit and pickup go through, one pulse each.
 *  - The board's answer to the pulse is lost, or arrives damaged (the door did open): one pulse,
 *    no retry, the board is read, the deposit completes.
 *  - The board's answer to the pulse is lost and the door stayed shut (jammed): one pulse, no
 *    retry; the read shows it shut, and only after locker.doorOpenTimeoutSeconds is it a jam; the
 *    deposit then moves on to the next compartment.
 *  - The board goes silent on hearing the pulse: one pulse, the courier gets 503
 *    QH_LOCKER_UNREACHABLE, parcel.deposit_failed `unreachable`, and no other door is pulsed.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { KerongMessage } from "../../../src/protocols/kerong-cu16/index.js";
import { createKerongSim, type KerongBusSim, type KerongUnlockReply } from "../../../src/sim/kerong-cu16.js";
import { waitUntil } from "../../helpers/upstream.js";
import { LOCKER, PTY_COURIER, type SessionView, startPtySite } from "./support.js";

type Site = Awaited<ReturnType<typeof startPtySite<KerongBusSim>>>;

/** kerong-cu16-bank: compartment "01" is lock 1 (S), "05" is lock 5 (M). */
const lockOf = (compartment: string) => Number(compartment);

async function kerongSite(unlockReply: KerongUnlockReply = "status", locker?: Record<string, unknown>) {
  const boards = createKerongSim({ boards: [0], unlockReply });
  const unlocks: number[] = [];
  boards.on("rx", (r) => {
    if (r.ok && (r.msg as KerongMessage).kind === "unlock") unlocks.push((r.msg as { lock: number }).lock);
  });
  const pty = await startPtySite(
    boards,
    {
      protocol: "kerong-cu16",
      baudRate: 19200,
      devices: [{ id: LOCKER, model: "kerong-cu16-bank", address: 0 }],
    },
    locker,
  );
  return { pty, boards, unlocks };
}

describe("a Kerong board answering as boards really do", () => {
  let pty: Site | undefined;
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  const chooseSize = async (s: Site["site"], barcode: string, size: string) => {
    expect((await s.kiosk("deposit", { courierCode: PTY_COURIER.code })).status).toBe(200);
    expect((await s.kiosk("deposit/barcode", { barcode })).status).toBe(200);
    return s.kiosk<SessionView>("deposit/size", { size });
  };

  for (const [form, size, lock] of [
    ["status-cmd", "S", 1],
    ["status-board", "M", 5],
    ["echo", "M", 5],
  ] as const) {
    it(`answering an unlock with ${form}: a whole deposit and pickup, one pulse each`, async () => {
      const k = await kerongSite(form);
      pty = k.pty;
      const { site: s } = k.pty;
      const { boards, unlocks } = k;
      const chosen = await chooseSize(s, `PKG-K-${form}`, size);
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
      const { parcelId, compartment } = chosen.body as Required<SessionView>;
      expect(lockOf(compartment)).toBe(lock);
      await waitUntil(async () => (await s.session()).step === "open", 20_000, "deposit door open");
      expect(boards.isOpen(0, lock)).toBe(true);
      boards.setPresent(0, lock, true);
      boards.closeDoor(0, lock);
      await waitUntil(async () => (await s.session()).last?.parcelId === parcelId, 20_000, "deposit outcome");
      expect((await s.session()).last?.outcome).toBe("deposited");
      const dep = await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId);
      expect(unlocks).toEqual([lock]);

      const picked = await s.kiosk("pickup", { code: dep.data.pickupCode as string });
      expect(picked.status, JSON.stringify(picked.body)).toBe(200);
      await waitUntil(async () => (await s.parcel(parcelId)).state === "collecting", 20_000, "collecting");
      boards.setPresent(0, lock, false);
      boards.closeDoor(0, lock);
      await s.waitForEvent("parcel.picked_up", (e) => e.data.parcelId === parcelId);
      expect(unlocks).toEqual([lock, lock]);
      expect(await s.compartment(LOCKER, compartment)).toMatchObject({ state: "free", doorOpen: false });
      expect(s.eventsOfType("door.jammed")).toHaveLength(0);
      expect(s.eventsOfType("parcel.deposit_failed")).toHaveLength(0);
    });
  }

  for (const how of ["lost", "not understood (a bad checksum)"] as const) {
    it(`whose answer to the pulse is ${how} (the door opened): one pulse, no retry, a completed deposit`, async () => {
      const k = await kerongSite();
      pty = k.pty;
      const { site: s } = k.pty;
      const { boards, unlocks } = k;
      // the board hears the unlock, pulses the door, and its answer is lost on the wire (or arrives
      // damaged: the status frame after the pulse with its SUM off by one)
      boards.on("rx", (r) => {
        if (!r.ok || (r.msg as KerongMessage).kind !== "unlock") return;
        boards.loseReplies(0, 1);
        if (how !== "lost") boards.injectGarbage([0x02, 0x00, 0x35, 0xfe, 0xff, 0x00, 0x00, 0x03, 0x36]);
      });
      const chosen = await chooseSize(s, `PKG-K-${how.length}`, "S");
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
      const { parcelId, compartment } = chosen.body as Required<SessionView>;
      await waitUntil(async () => (await s.session()).step === "open", 20_000, "deposit door open");
      boards.setPresent(0, lockOf(compartment), true);
      boards.closeDoor(0, lockOf(compartment));
      await waitUntil(async () => (await s.session()).last?.parcelId === parcelId, 20_000, "deposit outcome");
      expect((await s.session()).last?.outcome).toBe("deposited");
      expect(unlocks).toEqual([lockOf(compartment)]);
      expect(s.eventsOfType("door.jammed")).toHaveLength(0);
      if (how !== "lost")
        expect(
          await s.metric("qh_bus_frames_rejected_total", { bus: "bus-a", reason: "checksum" }),
        ).toBeGreaterThanOrEqual(1);
    });
  }

  it("whose answer is lost and whose door stayed shut: one pulse, a jam after the open timeout, the next door", async () => {
    const k = await kerongSite("status", { doorOpenTimeoutSeconds: 1 });
    pty = k.pty;
    const { site: s } = k.pty;
    const { boards, unlocks } = k;
    boards.jam(0, 1);
    let lost = false;
    boards.on("rx", (r) => {
      if (!lost && r.ok && (r.msg as KerongMessage).kind === "unlock") {
        lost = true;
        boards.loseReplies(0, 1);
      }
    });
    const chosen = await chooseSize(s, "PKG-K-JAM", "S");
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    const { parcelId, compartment } = chosen.body as Required<SessionView>;
    expect(compartment).toBe("01");
    // the read after the lost answer shows the door shut; the jam comes with the open timeout
    await waitUntil(
      async () => (await s.compartment(LOCKER, "01")).state === "out_of_service",
      20_000,
      "01 jammed",
    );
    expect(await s.compartment(LOCKER, "01")).toMatchObject({ reason: "jammed", doorOpen: false });
    await waitUntil(async () => (await s.session()).step === "open", 20_000, "the next door open");
    const moved = await s.session();
    expect(moved).toMatchObject({ parcelId, compartment: "02", last: { outcome: "moved_after_jam" } });
    expect(boards.isOpen(0, 2)).toBe(true);
    boards.setPresent(0, 2, true);
    boards.closeDoor(0, 2);
    await waitUntil(async () => (await s.session()).last?.outcome === "deposited", 20_000, "deposited");
    expect((await s.session()).last).toMatchObject({ parcelId, compartment: "02" });
    // lock 1 pulsed once (never again after its lost answer), then lock 2 for the jam's follow-up
    expect(unlocks).toEqual([1, 2]);
    const jams = await s.waitForEvent("door.jammed");
    expect(jams.data).toMatchObject({ compartment: "01" });
    expect(s.eventsOfType("door.jammed")).toHaveLength(1);
  });

  it("that never answers: one pulse, an unreachable answer, and no other door moves", async () => {
    const k = await kerongSite();
    pty = k.pty;
    const { site: s } = k.pty;
    const { boards, unlocks } = k;
    const opened: number[] = [];
    boards.on("doorOpened", (e) => opened.push(e.lock));
    // the board dies on hearing the pulse (before the gateway could have noticed anything)
    boards.on("rx", (r) => {
      if (r.ok && (r.msg as KerongMessage).kind === "unlock") boards.kill(0);
    });
    const refused = await chooseSize(s, "PKG-K-DEAD", "S");
    expect(refused).toMatchObject({ status: 503, body: { error: { code: "QH_LOCKER_UNREACHABLE" } } });
    expect(unlocks).toHaveLength(1);
    expect(await s.session()).toMatchObject({
      step: "size",
      last: { outcome: "deposit_failed", reason: "unreachable" },
    });
    const failed = await s.waitForEvent("parcel.deposit_failed");
    expect(failed.data).toMatchObject({ reason: "unreachable", compartment: "01" });
    // nothing else was pulsed, then or since; no door moved
    await waitUntil(
      async () => (await s.health()).body.problems.includes(`bus bus-a: ${LOCKER}@0 unreachable`),
      20_000,
      "board reported unreachable",
    );
    expect(unlocks).toHaveLength(1);
    expect(opened).toEqual([]);
    expect(s.eventsOfType("door.jammed")).toHaveLength(0);
  });
});
