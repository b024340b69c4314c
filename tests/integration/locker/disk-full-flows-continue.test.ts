/**
 * Every locker flow a person starts, on a real full disk (a tmpfs filled to the last byte): the
 * first write fails, the answer is a coded 503 QH_STORE_FULL (a command: `failed` with that code),
 * no door moves, the compartment and the session are left where the person can go on from; once
 * the space is back the gateway leaves its refusing state by itself and the same flow succeeds.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { mountSmallDisk, SMALL_DISK_UNAVAILABLE, type SmallDisk } from "../../helpers/small-disk.js";
import { waitUntil } from "../../helpers/upstream.js";
import {
  COURIER_CODE,
  COURIER_ID,
  LOCKER,
  type LockerSite,
  type SessionView,
  startLockerSite,
} from "./support.js";

const FULL_PROBLEM = /^store: disk full$|^locker: deposits refused: under \d+ KiB free/;
const soon = () => new Date(Date.now() + 3_600_000).toISOString();

describe.skipIf(SMALL_DISK_UNAVAILABLE !== undefined)(
  `locker flows on a full disk ${SMALL_DISK_UNAVAILABLE ?? ""}`,
  () => {
    let disk: SmallDisk;
    let site: LockerSite;
    const clock = new ManualClock(Date.now());
    beforeAll(async () => {
      disk = mountSmallDisk(32);
      site = await startLockerSite({
        dataDir: join(disk.dir, "data"),
        clock,
        locker: { pickupWindowHours: 1 },
      });
    });
    afterAll(async () => {
      disk.release();
      await site?.close();
      disk.unmount();
    });

    const problems = async () =>
      ((await site.gw.api.inject({ url: "/health" })).json() as { problems: string[] }).problems;

    /** Fill the disk, run the flow on it, give the space back and wait for the gateway to see it. */
    async function onFullDisk<T>(flow: () => Promise<T>): Promise<T> {
      // an empty WAL: the flow's first write must grow a file (a WAL with room left after a
      // checkpoint takes small writes even on a full disk, and the store rightly accepts them)
      site.gw.db.pragma("wal_checkpoint(TRUNCATE)");
      disk.fill();
      let out: T;
      try {
        out = await flow();
        // a failed write (store: disk full), or a deposit refused for want of room before it wrote
        expect(await problems()).toEqual(expect.arrayContaining([expect.stringMatching(FULL_PROBLEM)]));
      } finally {
        disk.release();
      }
      await waitUntil(
        async () => !(await problems()).some((p) => FULL_PROBLEM.test(p)),
        20_000,
        "store writes again",
      );
      return out;
    }

    const openDoors = async () => (await site.compartments()).filter((c) => c.doorOpen === true);
    const fullAnswer = { status: 503, body: { error: { code: "QH_STORE_FULL" } } };

    it("deposit: the session steps back to the size, nothing is claimed; then the deposit goes through", async () => {
      const s = site;
      expect((await s.kiosk("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
      expect((await s.kiosk("deposit/barcode", { barcode: "PKG-FULL-1" })).status).toBe(200);
      const refused = await onFullDisk(() => s.kiosk<SessionView>("deposit/size", { size: "M" }));
      expect(refused).toMatchObject(fullAnswer);
      expect((refused.body as unknown as { error: { hint: string } }).error.hint).toMatch(/free disk space/);
      // refused before anything is claimed (no room for what the door would do), or stepped back
      // from a claim the disk refused: either way the courier goes on from the size step
      const session = await s.session();
      expect(session.step).toBe("size");
      if (session.last)
        expect(session.last).toMatchObject({ outcome: "deposit_failed", reason: "store_unavailable" });
      expect(await openDoors()).toEqual([]);
      expect((await s.compartments()).filter((c) => c.state !== "free")).toEqual([]);

      // the courier goes on from the size step
      const chosen = await s.kiosk<SessionView>("deposit/size", { size: "M" });
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
      const { compartment, parcelId } = chosen.body as { compartment: string; parcelId: string };
      await waitUntil(async () => (await s.session()).step === "open", 20_000, "door open");
      await s.sim(LOCKER, compartment, "put");
      await s.sim(LOCKER, compartment, "close");
      await waitUntil(async () => (await s.parcel(parcelId)).state === "stored", 20_000, "stored");
      expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-1/deposit")).status).toBe(204);
    });

    it("pickup: refused with the door shut and the parcel stored; then the code opens it", async () => {
      const s = site;
      const deposited = s.eventsOfType("parcel.deposited")[0] ?? (await s.waitForEvent("parcel.deposited"));
      const { parcelId, compartment } = deposited.data as { parcelId: string; compartment: string };
      const code = deposited.data.pickupCode as string;
      const refused = await onFullDisk(() => s.kiosk("pickup", { code }));
      expect(refused).toMatchObject(fullAnswer);
      expect(await s.simDoorOpen(LOCKER, compartment)).toBe(false);
      expect((await s.parcel(parcelId)).state).toBe("stored");

      const r = await s.kiosk("pickup", { code });
      expect(r).toMatchObject({ status: 200, body: { parcelId, door: "pulsed" } });
      await waitUntil(() => s.simDoorOpen(LOCKER, compartment), 20_000, "door open");
      await s.sim(LOCKER, compartment, "take");
      await s.sim(LOCKER, compartment, "close");
      await waitUntil(async () => (await s.parcel(parcelId)).state === "picked_up", 20_000, "picked up");
    });

    it("reservation (locker.reserve): answered failed QH_STORE_FULL, nothing booked; then booked", async () => {
      const s = site;
      const args = { orderId: "ORD-FULL-1", size: "S", pickupCode: "553311", deadline: soon() };
      const refused = await onFullDisk(() =>
        s.command("locker.reserve", { id: "cmd-reserve-full-1", device: LOCKER, args, expiresAt: soon() }),
      );
      expect(refused).toMatchObject({ status: "failed", error: { code: "QH_STORE_FULL" } });
      expect((await s.compartments()).filter((c) => c.state !== "free")).toEqual([]);

      const ok = await s.command("locker.reserve", {
        id: "cmd-reserve-full-2",
        device: LOCKER,
        args,
        expiresAt: soon(),
      });
      expect(ok).toMatchObject({ status: "ok", result: { orderId: "ORD-FULL-1", state: "reserved" } });
    });

    it("reserved deposit: refused with no session and the order still booked; then deposited", async () => {
      const s = site;
      const refused = await onFullDisk(() =>
        s.kiosk("deposit/reserved", { orderId: "ORD-FULL-1", courierCode: COURIER_CODE }),
      );
      expect(refused).toMatchObject(fullAnswer);
      expect((await s.kiosk("deposit")).status).toBe(404); // no session left behind
      expect(await openDoors()).toEqual([]);
      const booked = (await s.compartments()).find((c) => c.state === "reserved");
      expect(booked).toBeDefined();

      const dep = await s.kiosk<SessionView>("deposit/reserved", {
        orderId: "ORD-FULL-1",
        courierCode: COURIER_CODE,
      });
      expect(dep.status, JSON.stringify(dep.body)).toBe(200);
      expect(dep.body).toMatchObject({ courier: COURIER_ID, compartment: booked!.compartment });
      await waitUntil(() => s.simDoorOpen(LOCKER, booked!.compartment), 20_000, "booked door open");
      await s.sim(LOCKER, booked!.compartment, "put");
      await s.sim(LOCKER, booked!.compartment, "close");
      await waitUntil(async () => (await s.parcel(booked!.parcelId!)).state === "stored", 20_000, "stored");
    });

    it("remote open (locker.open): answered failed QH_STORE_FULL, the door stays shut; then opened", async () => {
      const s = site;
      const args = { compartment: "A03", reason: "resident locked out" };
      const refused = await onFullDisk(() =>
        s.command("locker.open", { id: "cmd-open-full-1", device: LOCKER, args, expiresAt: soon() }),
      );
      expect(refused).toMatchObject({ status: "failed", error: { code: "QH_STORE_FULL" } });
      expect(await s.simDoorOpen(LOCKER, "A03")).toBe(false);

      const ok = await s.command("locker.open", {
        id: "cmd-open-full-2",
        device: LOCKER,
        args,
        expiresAt: soon(),
      });
      expect(ok).toMatchObject({ status: "ok", result: { door: "pulsed" } });
      await waitUntil(() => s.simDoorOpen(LOCKER, "A03"), 20_000, "door open");
      await s.sim(LOCKER, "A03", "close");
      await waitUntil(async () => (await s.compartment(LOCKER, "A03")).doorOpen === false, 20_000, "shut");
    });

    it("retrieval: refused with the overdue parcel left in place; then the courier takes it back", async () => {
      const s = site;
      const { parcelId, compartment } = await s.depositParcel("PKG-FULL-OVERDUE", "S");
      expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-1/deposit")).status).toBe(204);
      clock.advance(3_600_001);
      await waitUntil(async () => (await s.parcel(parcelId)).state === "overdue", 20_000, "overdue");

      const refused = await onFullDisk(() => s.kiosk("retrieve", { courierCode: COURIER_CODE }));
      expect(refused).toMatchObject(fullAnswer);
      expect(await s.simDoorOpen(LOCKER, compartment)).toBe(false);
      expect((await s.parcel(parcelId)).state).toBe("overdue");

      const r = await s.kiosk("retrieve", { courierCode: COURIER_CODE });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ opened: [{ parcelId, compartment, door: "pulsed" }], failed: [] });
    });
  },
);
