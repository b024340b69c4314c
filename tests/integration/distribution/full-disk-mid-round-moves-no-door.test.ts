/**
 * Attack that holds (review of issue 11): the store failing mid-round (a real tmpfs filled to the last byte).
 * A volunteer's label and a resident's code on a full disk: no door may move that the store cannot
 * record, the answer is a coded error, and once room is back the round goes on where it was (the
 * bundle still pending, the loaded one still collectable, nothing lost or doubled).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountSmallDisk, SMALL_DISK_UNAVAILABLE, type SmallDisk } from "../../helpers/small-disk.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, startLockerSite } from "../locker/support.js";

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `fd-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});
type View = { step: string; compartment?: string; bundleId?: string; last?: { outcome?: string } };

describe.skipIf(SMALL_DISK_UNAVAILABLE !== undefined)(
  `a distribution round on a full disk ${SMALL_DISK_UNAVAILABLE ?? ""}`,
  () => {
    let disk: SmallDisk;
    let site: LockerSite;
    beforeAll(async () => {
      disk = mountSmallDisk(32);
      site = await startLockerSite({ dataDir: join(disk.dir, "data") });
    });
    afterAll(async () => {
      disk.release();
      await site?.close();
      disk.unmount();
    });
    const fill = () => {
      site.gw.db.pragma("wal_checkpoint(TRUNCATE)");
      disk.fill();
    };
    const status = async () => (await site.kiosk<{ session: View | null }>("distribution")).body.session;
    const opened = async () => (await site.compartments()).filter((c) => c.doorOpen === true);

    it("refuses a label and a code with a coded error before any door moves, and goes on once room is back", async () => {
      const s = site;
      expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
        status: "ok",
      });
      expect(
        await s.command(
          "distribution.load",
          cmd({
            roundId: "r1",
            bundles: [
              { bundleId: "B1", household: "h1", code: "800001", size: "M" },
              { bundleId: "B2", household: "h2", code: "800002", size: "M" },
            ],
          }),
        ),
      ).toMatchObject({ status: "ok" });
      expect((await s.kiosk("distribution/volunteer", { code: COURIER_CODE })).status).toBe(200);
      // B1 loaded while there is room
      expect((await s.kiosk("distribution/label", { label: "B1" })).status).toBe(200);
      await waitUntil(async () => (await status())?.step === "open", 20_000, "B1's door open");
      const at = (await status())?.compartment as string;
      await s.sim(LOCKER, at, "put");
      await s.sim(LOCKER, at, "close");
      await s.waitForEvent("distribution.loaded", (e) => e.data.bundleId === "B1");
      await waitUntil(async () => (await status())?.step === "scan", 20_000, "ready for the next label");

      fill();
      let label: { status: number; body: unknown };
      let code: { status: number; body: unknown };
      try {
        label = await s.kiosk("distribution/label", { label: "B2" });
        code = await s.kiosk("pickup", { code: "800001" }, "kiosk-2");
        expect(await opened()).toEqual([]);
      } finally {
        disk.release();
      }
      expect(label.status, JSON.stringify(label.body)).toBeGreaterThanOrEqual(500);
      expect((label.body as { error?: { code?: string } }).error?.code ?? "").toMatch(/^QH_STORE/);
      expect(code.status, JSON.stringify(code.body)).toBeGreaterThanOrEqual(500);
      expect((code.body as { error?: { code?: string } }).error?.code ?? "").toMatch(/^QH_STORE/);
      await waitUntil(
        async () => !(await s.health()).body.problems.some((p: string) => p.startsWith("store")),
        20_000,
        "the store writes again",
      );
      // room back: B2 is still pending and loads; B1 is collected with its code
      const again = await s.kiosk<View>("distribution/label", { label: "B2" });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      const picked = await s.kiosk<{ kind?: string }>("pickup", { code: "800001" }, "kiosk-2");
      expect(picked.status, JSON.stringify(picked.body)).toBe(200);
      expect(picked.body.kind).toBe("bundle");
    }, 90_000);
  },
);
