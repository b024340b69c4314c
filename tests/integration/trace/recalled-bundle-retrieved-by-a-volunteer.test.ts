/**
 * Issue 11 (fix bundle #1), through the whole gateway: a bundle holding a lot the platform named
 * is loaded; the lot is recalled (trace.recall): the resident's code is refused and "a volunteer
 * takes it back" is now true: a signed-in volunteer's POST /api/v1/kiosk/{t}/distribution/retrieve
 * opens its door (once: a second call while it is open is refused), the volunteer takes it out
 * and shuts the door: distribution.retrieved (reason recalled, by the volunteer; its contract
 * schema), the compartment free again, the resident's code a clear QH_DIST_RETRIEVED, and
 * trace.lot lists the bundle as retrieved, not as "not collected".
 */
import { afterEach, describe, expect, it } from "vitest";
import { contractValidators } from "../../helpers/contract.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, startLockerSite } from "../locker/support.js";

const GTIN = "09501101530003";

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `rb-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

type View = { step: string; compartment?: string };

describe("a recalled bundle taken back by a volunteer", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("frees its compartment, voids the code, sends distribution.retrieved and traces it as retrieved", async () => {
    site = await startLockerSite();
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
            {
              bundleId: "B1",
              household: "h1",
              code: "800001",
              size: "M",
              lots: [{ gtin: GTIN, lot: "LOT-R" }],
            },
          ],
        }),
      ),
    ).toMatchObject({ status: "ok" });
    const signIn = await s.kiosk("distribution/volunteer", { code: COURIER_CODE });
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    const scanned = await s.kiosk<View>("distribution/label", { label: "B1" });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
    const at = scanned.body.compartment as string;
    await waitUntil(
      async () => (await s.compartment(LOCKER, at)).doorOpen === true,
      20_000,
      "B1's door open",
    );
    await s.sim(LOCKER, at, "put");
    await s.sim(LOCKER, at, "close");
    await s.waitForEvent("distribution.loaded", (e) => e.data.bundleId === "B1");

    // still its resident's: the volunteer may not take it
    const early = await s.kiosk("distribution/retrieve", { bundleId: "B1" });
    expect(early).toMatchObject({ status: 409, body: { error: { code: "QH_DIST_NOT_RETRIEVABLE" } } });

    expect(await s.command("trace.recall", cmd({ gtin: GTIN, lot: "LOT-R" }))).toMatchObject({
      status: "ok",
    });
    const refused = await s.kiosk("pickup", { code: "800001" });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "QH_TRACE_LOT_RECALLED" } } });
    expect((refused.body as { error: { message: string } }).error.message).toContain(
      "a volunteer takes it back",
    );

    const r = await s.kiosk("distribution/retrieve", { bundleId: "B1" });
    expect(r, JSON.stringify(r.body)).toMatchObject({
      status: 200,
      body: { bundleId: "B1", device: LOCKER, compartment: at, reason: "recalled" },
    });
    await waitUntil(
      async () => (await s.compartment(LOCKER, at)).doorOpen === true,
      20_000,
      "B1's door open",
    );
    const again = await s.kiosk("distribution/retrieve", { bundleId: "B1" });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "QH_LOCKER_BUSY" } } });
    await s.sim(LOCKER, at, "take");
    await s.sim(LOCKER, at, "close");
    const ev = await s.waitForEvent("distribution.retrieved", (e) => e.data.bundleId === "B1");
    expect(ev).toMatchObject({
      device: LOCKER,
      data: { roundId: "r1", bundleId: "B1", compartment: at, reason: "recalled", terminal: "kiosk-1" },
    });
    expect(typeof ev.data.by).toBe("string");
    const validate = contractValidators().get("event.distribution.retrieved")!;
    expect(validate(ev.data), JSON.stringify(validate.errors)).toBe(true);

    expect(await s.compartment(LOCKER, at)).toMatchObject({ state: "free", doorOpen: false });
    const gone = await s.kiosk("pickup", { code: "800001" });
    expect(gone).toMatchObject({ status: 409, body: { error: { code: "QH_DIST_RETRIEVED" } } });
    const traced = await s.command("trace.lot", cmd({ gtin: GTIN, lot: "LOT-R" }));
    expect(traced).toMatchObject({
      status: "ok",
      result: {
        bundles: [
          {
            bundleId: "B1",
            state: "retrieved",
            collected: false,
            retrieved: true,
            retrieveReason: "recalled",
          },
        ],
      },
    });
  });
});
