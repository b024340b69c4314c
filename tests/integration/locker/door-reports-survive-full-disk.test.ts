/**
 * A door that moves while the store cannot write (a real tmpfs filled to the last byte): its
 * report is kept in memory and written, in order, once the store writes again. The physical
 * truth wins: a door that opened late is no jam, a door that closed is no "left open", one
 * door.opened per opening, and /health is degraded while a report waits. A deposit on a disk
 * with no room to record what a door does is refused with 503 QH_STORE_FULL before any door moves.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { mountSmallDisk, SMALL_DISK_UNAVAILABLE, type SmallDisk } from "../../helpers/small-disk.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, type SessionView, startLockerSite } from "./support.js";

/** Its own terminal: independent of the first case's session. */
const K2 = "kiosk-2";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(SMALL_DISK_UNAVAILABLE !== undefined)(
  `door reports on a full disk ${SMALL_DISK_UNAVAILABLE ?? ""}`,
  () => {
    let disk: SmallDisk;
    let site: LockerSite;
    const clock = new ManualClock(Date.now());
    beforeAll(async () => {
      disk = mountSmallDisk(32);
      site = await startLockerSite({ dataDir: join(disk.dir, "data"), clock });
    });
    afterAll(async () => {
      disk.release();
      await site?.close();
      disk.unmount();
    });

    const problems = async () => (await site.health()).body.problems;
    const doorProblem = (p: string[]) => p.some((x) => /door report\(s\) not yet recorded/.test(x));

    /** Fill the disk with an empty WAL: the next write must grow a file, and fails. */
    function fill(): void {
      site.gw.db.pragma("wal_checkpoint(TRUNCATE)");
      disk.fill();
    }

    async function release(): Promise<void> {
      disk.release();
      await waitUntil(
        async () => !(await problems()).some((p) => p.startsWith("store") || doorProblem([p])),
        20_000,
        "store writes again and the kept door reports are written",
      );
    }

    it("a door opened while the store was full: recorded once room is back, no jam, one door.opened", async () => {
      const s = site;
      // every lock jammed: the pulse goes out and the door stays shut until it is pulled open
      for (const c of await s.compartments()) await s.sim(LOCKER, c.compartment, "jam");
      expect((await s.kiosk("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
      expect((await s.kiosk("deposit/barcode", { barcode: "PKG-KEPT-1" })).status).toBe(200);
      const chosen = await s.kiosk<SessionView>("deposit/size", { size: "M" });
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
      const { compartment, parcelId } = chosen.body as { compartment: string; parcelId: string };

      fill();
      try {
        await s.sim(LOCKER, compartment, "force-open"); // the courier pulls the stiff door open
        await waitUntil(async () => doorProblem(await problems()), 20_000, "the kept report on /health");
        expect((await s.health()).body.status).toBe("degraded");
        // the pulse's open timeout passes while the report waits: no jam may be judged from it
        clock.advance(11_000);
        await sleep(2_500); // a few sweeps
      } finally {
        await release();
      }
      await waitUntil(
        async () => (await s.session()).step === "open",
        20_000,
        "the session sees the door open",
      );
      const c = await s.compartment(LOCKER, compartment);
      expect(c).toMatchObject({ doorOpen: true, reason: null, parcelId });
      expect(s.eventsOfType("door.jammed")).toEqual([]);
      expect(s.eventsOfType("parcel.deposit_failed")).toEqual([]);
      const opened = await s.waitForEvent("door.opened", (e) => e.data.compartment === compartment);
      expect(opened.data).toMatchObject({ expected: true, purpose: "deposit", parcelId });

      // the courier puts the parcel in and shuts the door while the disk is full again
      await s.sim(LOCKER, compartment, "put");
      fill();
      try {
        await s.sim(LOCKER, compartment, "close");
        await waitUntil(async () => doorProblem(await problems()), 20_000, "the kept close on /health");
        // past doorLeftOpenSeconds by the clock: the door is shut, no door.left_open
        clock.advance(121_000);
        await sleep(2_500);
      } finally {
        await release();
      }
      await waitUntil(async () => (await s.parcel(parcelId)).state === "stored", 20_000, "stored");
      await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId);
      expect(await s.compartment(LOCKER, compartment)).toMatchObject({ doorOpen: false, state: "occupied" });
      expect(s.eventsOfType("door.left_open")).toEqual([]);
      await s.waitForEvent("door.closed", (e) => e.data.compartment === compartment);
      // one door.opened and one door.closed for this opening (no resend under a new id)
      await sleep(1_500);
      const mine = (type: string) => s.eventsOfType(type).filter((e) => e.data.compartment === compartment);
      expect(mine("door.opened")).toHaveLength(1);
      expect(mine("door.closed")).toHaveLength(1);
      expect(doorProblem(await problems())).toBe(false);
      expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-1/deposit")).status).toBe(204);
      for (const x of await s.compartments()) await s.sim(LOCKER, x.compartment, "unjam");
    });

    it("a deposit on a disk with no room for the door's reports: 503 QH_STORE_FULL before any door moves", async () => {
      const s = site;
      expect((await s.kiosk("deposit", { courierCode: COURIER_CODE }, K2)).status).toBe(200);
      expect((await s.kiosk("deposit/barcode", { barcode: "PKG-NOROOM-1" }, K2)).status).toBe(200);
      // the WAL keeps its room (checkpointed, not truncated): the store takes small writes, and
      // nothing has failed yet, but the disk has nothing left for what a door does next
      s.gw.db.pragma("wal_checkpoint(RESTART)");
      disk.fill();
      try {
        const before = await s.compartments();
        const refused = await s.kiosk("deposit/size", { size: "S" }, K2);
        expect(refused).toMatchObject({ status: 503, body: { error: { code: "QH_STORE_FULL" } } });
        const after = await s.compartments();
        expect(after.filter((c) => c.doorOpen === true)).toEqual(before.filter((c) => c.doorOpen === true));
        for (const c of after) expect(await s.simDoorOpen(LOCKER, c.compartment)).toBe(c.doorOpen === true);
        expect((await s.session(K2)).step).toBe("size");
      } finally {
        disk.release();
      }
      const ok = await s.kiosk<SessionView>("deposit/size", { size: "S" }, K2);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      await waitUntil(async () => (await s.session(K2)).step === "open", 20_000, "door open");
      await s.sim(LOCKER, ok.body.compartment as string, "close");
      await waitUntil(async () => (await s.session(K2)).step === "scan", 20_000, "deposited");
      expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-2/deposit")).status).toBe(204);
    });
  },
);
