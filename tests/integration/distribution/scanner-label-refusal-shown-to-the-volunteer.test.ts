/**
 * New-user review of issue 11: a volunteer loads with the kiosk's scanner (the issue: "at the
 * kiosk or scanner they scan a bundle label"; docs/emergency.md "one label at a time (the bundle
 * id, scanned or typed)"). On the demo, a label the gateway refuses when it comes from the scanner
 * (a bundle id in no round, a pack's GS1 label scanned before any door is open) shows nothing:
 * the gateway logs `scan refused` (QH_DIST_BUNDLE_UNKNOWN, QH_LOCKER_INPUT_INVALID) and the
 * volunteer's view (`GET /api/v1/kiosk/{t}/distribution`, which the screen polls) still shows the
 * previous outcome. Typed on the screen the same label gets "此标签不是本站任何一轮的物资包。".
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, type LockerSite, startLockerSite, withScanner } from "../locker/support.js";

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `nu-scan-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

describe("new user: a label refused at the scanner", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  // new user: a scanned label the gateway refuses leaves the volunteer's view unchanged: the
  // refusal is only in the gateway's log. Fixed when this fails.
  it("is shown in the volunteer's view, as a typed one is", async () => {
    site = await startLockerSite(withScanner());
    const s = site;
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
      status: "ok",
    });
    await s.command(
      "distribution.load",
      cmd({ roundId: "r1", bundles: [{ bundleId: "LBL-1", household: "h1", code: "80000001" }] }),
    );
    const signedIn = await s.kiosk("distribution/volunteer", { code: COURIER_CODE }, "kiosk-a");
    expect(signedIn.status).toBe(200);
    const view = async () =>
      JSON.stringify((await s.kiosk<Record<string, unknown>>("distribution", undefined, "kiosk-a")).body);
    const before = await view();
    expect((await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: "NOPE-9" })).status).toBe(
      200,
    );
    await waitUntil(
      async () => (await view()).includes("NOPE-9"),
      5_000,
      `the volunteer's view telling of NOPE-9 (before: ${before})`,
    );
  });

  it("a pack's GS1 label scanned before any door is open is shown too, with its code", async () => {
    site = await startLockerSite(withScanner());
    const s = site;
    await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }));
    await s.command(
      "distribution.load",
      cmd({ roundId: "r2", bundles: [{ bundleId: "LBL-2", household: "h2", code: "80000002" }] }),
    );
    expect((await s.kiosk("distribution/volunteer", { code: COURIER_CODE }, "kiosk-a")).status).toBe(200);
    const refused = async () =>
      (
        await s.kiosk<{ scanRefused: { label: string; code: string } | null }>(
          "distribution",
          undefined,
          "kiosk-a",
        )
      ).body.scanRefused;
    expect(await refused()).toBeNull();
    const gs1 = "]d2010950110153000310LOT-A\u001d17270131";
    expect((await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: gs1 })).status).toBe(200);
    await waitUntil(async () => (await refused()) !== null, 5_000, "the GS1 label's refusal in the view");
    expect(await refused()).toMatchObject({ code: "QH_LOCKER_INPUT_INVALID" });
  });
});
