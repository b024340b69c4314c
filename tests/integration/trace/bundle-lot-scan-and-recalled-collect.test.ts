/**
 * Lots in distribution bundles through the whole gateway (issue 11): the platform loads a round
 * naming a lot for one bundle; a volunteer signs in at kiosk-a's serial scanner, scans a bundle's
 * label, and while its door is open scans a pack's GS1 DataMatrix label (the simulator sends it with
 * GS separators): the lot is recorded with the bundle (bundle.lot_loaded) and the volunteer's
 * screen status tells so. A resident collects the other bundle; trace.lot lists it as collected.
 * trace.recall names the bundle still inside and blocks it (bundle.recalled); with the platform
 * gone, the resident's right code is refused (QH_TRACE_LOT_RECALLED) and no door moves. A round
 * naming a recalled lot, or a GTIN with a wrong check digit, is rejected naming the lot.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { contractValidators } from "../../helpers/contract.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, startLockerSite, withScanner } from "../locker/support.js";

const GTIN = "04012345678901";
const RICE = "04006381333931"; // the platform names it as 13 digits: 4006381333931
const label = encodeGs1(
  [
    { ai: "01", value: GTIN },
    { ai: "10", value: "DUMPLING-9" },
    { ai: "17", value: "301200" },
    { ai: "37", value: "3" },
  ],
  { symbology: "]d2" },
);

type View = { step: string; compartment?: string; bundleId?: string; loaded: number };
type Status = { session: View | null; lot: Record<string, unknown> | null };

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `bt-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

describe("lots in distribution bundles, then recalled", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("records a scanned lot with the bundle, traces a collected one, and a recall refuses the resident before any door moves", async () => {
    site = await startLockerSite(withScanner());
    const s = site;
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
      status: "ok",
    });
    const loaded = await s.command(
      "distribution.load",
      cmd({
        roundId: "r1",
        bundles: [
          { bundleId: "B1", household: "h1", code: "800001", size: "M" },
          {
            bundleId: "B2",
            household: "h2",
            code: "800002",
            size: "M",
            lots: [{ gtin: "4006381333931", lot: "RICE-7", expiry: "2030-06-30", quantity: 2 }],
          },
        ],
      }),
    );
    expect(loaded).toMatchObject({ status: "ok", result: { added: 2, lots: 1 } });

    const scan = (code: string) => s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code });
    const status = async () => (await s.kiosk<Status>("distribution", undefined, "kiosk-a")).body;
    const loadBundle = async (bundleId: string, lotLabel?: string) => {
      await scan(bundleId);
      await waitUntil(
        async () => (await status()).session?.step === "open",
        20_000,
        `${bundleId}'s door open`,
      );
      const at = (await status()).session!.compartment!;
      if (lotLabel) {
        expect((await scan(lotLabel)).status).toBe(200);
        const e = await s.waitForEvent("bundle.lot_loaded", (x) => x.data.bundleId === bundleId);
        expect(e).toMatchObject({
          device: LOCKER,
          data: {
            bundleId,
            roundId: "r1",
            compartment: at,
            gtin: GTIN,
            lot: "DUMPLING-9",
            expiry: "2030-12-31",
            quantity: 3,
            source: "scan",
          },
        });
        // the volunteer's screen tells the scan's outcome
        expect((await status()).lot).toMatchObject({
          outcome: "recorded",
          bundleId,
          gtin: GTIN,
          lot: "DUMPLING-9",
          quantity: 3,
        });
      }
      await s.sim(LOCKER, at, "put");
      await s.sim(LOCKER, at, "close");
      await s.waitForEvent("distribution.loaded", (e) => e.data.bundleId === bundleId);
      return at;
    };
    await scan(`qh:volunteer:${COURIER_CODE}`);
    await waitUntil(async () => (await status()).session?.step === "scan", 20_000, "volunteer signed in");
    const b1At = await loadBundle("B1", label);
    const b2At = await loadBundle("B2");

    // B2 (the platform's lot) collected by its resident
    const got = await s.kiosk("pickup", { code: "800002" }, "kiosk-a");
    expect(got).toMatchObject({ status: 200, body: { bundleId: "B2", compartment: b2At } });
    await waitUntil(async () => (await s.compartment(LOCKER, b2At)).doorOpen === true, 20_000, "B2 open");
    await s.sim(LOCKER, b2At, "take");
    await s.sim(LOCKER, b2At, "close");
    await s.waitForEvent("distribution.collected", (e) => e.data.bundleId === "B2");
    const rice = await s.command("trace.lot", cmd({ gtin: RICE, lot: "RICE-7" }));
    expect(rice).toMatchObject({
      status: "ok",
      result: {
        expiry: "2030-06-30",
        loads: [{ kind: "bundle", bundleId: "B2", quantity: 2, by: "distribution.load" }],
        bundles: [{ bundleId: "B2", roundId: "r1", device: LOCKER, compartment: b2At, collected: true }],
      },
    });
    const riceBundle = (rice.result as { bundles: Record<string, unknown>[] }).bundles[0]!;
    expect(typeof riceBundle.collectedAt).toBe("string");
    expect(riceBundle).not.toHaveProperty("household");

    // the recall names B1, still inside, and blocks it
    const recallArgs = { gtin: GTIN, lot: "DUMPLING-9", reason: "supplier recall" };
    const validators = contractValidators();
    expect(validators.get("cmd.trace.recall.args")!(recallArgs)).toBe(true);
    expect(validators.get("cmd.trace.lot.args")!({ gtin: RICE, lot: "RICE-7" })).toBe(true);
    expect(validators.get("cmd.trace.lot.args")!({ gtin: RICE, lot: "RICE-7", x: 1 })).toBe(false);
    const recall = await s.command("trace.recall", {
      id: "recall-dumpling-9",
      args: recallArgs,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(recall).toMatchObject({
      status: "ok",
      result: {
        alreadyRecalled: false,
        blocked: {
          slots: [],
          parcels: [],
          bundles: [
            {
              bundleId: "B1",
              roundId: "r1",
              device: LOCKER,
              compartment: b1At,
              state: "loaded",
              inLocker: true,
            },
          ],
        },
        trace: {
          bundles: [
            { bundleId: "B1", compartment: b1At, state: "loaded", collected: false, collectedAt: null },
          ],
        },
      },
    });
    const ev = await s.waitForEvent("bundle.recalled", (e) => e.data.bundleId === "B1");
    expect(ev).toMatchObject({ device: LOCKER, data: { recallId: "recall-dumpling-9", blocked: true } });

    // offline: the block needs nothing from the platform; no door moves
    await s.stopUplink();
    const refused = await s.kiosk("pickup", { code: "800001" }, "kiosk-a");
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: { code: "QH_TRACE_LOT_RECALLED", details: { bundle: true, recallId: "recall-dumpling-9" } },
    });
    // nothing that names the bundle to whoever typed the code
    expect((refused.body as { error: { details: object } }).error.details).not.toHaveProperty("bundleId");
    expect(await s.simDoorOpen(LOCKER, b1At)).toBe(false);
    expect(await s.compartment(LOCKER, b1At)).toMatchObject({ state: "occupied", doorOpen: false });
    await s.startUplink();

    // a round naming the recalled lot, or a GTIN with a wrong check digit: rejected, nothing added
    const bad = await s.command(
      "distribution.load",
      cmd({
        roundId: "r1",
        bundles: [
          { bundleId: "B3", household: "h3", code: "800003", lots: [{ gtin: GTIN, lot: "DUMPLING-9" }] },
          { bundleId: "B4", household: "h4", code: "800004", lots: [{ gtin: "4012345678902", lot: "X" }] },
        ],
      }),
    );
    expect(bad).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    const msg = (bad.error as { message: string }).message;
    expect(msg).toContain("args.bundles[1].lots[0].gtin:");
    const again = await s.command(
      "distribution.load",
      cmd({
        roundId: "r1",
        bundles: [
          { bundleId: "B3", household: "h3", code: "800003", lots: [{ gtin: GTIN, lot: "DUMPLING-9" }] },
        ],
      }),
    );
    expect(again).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    expect((again.error as { message: string }).message).toContain("args.bundles[0].lots[0]: lot DUMPLING-9");
    expect((again.error as { message: string }).message).toContain("QH_TRACE_LOT_RECALLED");

    await s.expectAllDelivered(); // every event, bundle.lot_loaded and bundle.recalled among them, matches its schema
  });
});
