/**
 * The kiosk's serial scanner and the prefixes of scanned codes, on the simulated site: while a
 * volunteer's session waits for a label, a resident's `qh:pickup:CODE` is still a pickup (routed
 * by prefix before a scan is taken as a label); bundle codes longer than `locker.codeLength`
 * (they may have up to 12 digits) are accepted from the scanner, prefixed or bare; the kiosk's
 * volunteer sign-in takes the documented `qh:volunteer:CODE` as well as the bare code.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, LOCKER, type LockerSite, startLockerSite, withScanner } from "../locker/support.js";

type View = { step: string; compartment?: string; last?: { outcome: string } };

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `scan-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

describe("scanned codes are routed by their prefix", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("a resident's qh:pickup: scan during a volunteer's session collects; 8-digit bundle codes scan; qh:volunteer: signs in at the kiosk", async () => {
    site = await startLockerSite(withScanner());
    const s = site;
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
      status: "ok",
    });
    // bundle codes of 8 digits (locker.codeLength is 6)
    await s.command(
      "distribution.load",
      cmd({
        roundId: "r1",
        bundles: [
          { bundleId: "LBL-1", household: "h1", code: "80000001" },
          { bundleId: "LBL-2", household: "h2", code: "80000002" },
        ],
      }),
    );
    const scan = (code: string) => s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code });
    const status = () => s.kiosk<{ session: View | null }>("distribution", undefined, "kiosk-a");
    // the kiosk's sign-in takes the documented QR form
    const signedIn = await s.kiosk<View>(
      "distribution/volunteer",
      { code: `qh:volunteer:${COURIER_CODE}` },
      "kiosk-a",
    );
    expect(signedIn).toMatchObject({ status: 200, body: { step: "scan" } });
    for (const label of ["LBL-1", "LBL-2"]) {
      await scan(label);
      await waitUntil(async () => (await status()).body.session?.step === "open", 20_000, `${label}'s door`);
      const at = (await status()).body.session?.compartment as string;
      await s.sim(LOCKER, at, "put");
      await s.sim(LOCKER, at, "close");
      await s.waitForEvent("distribution.loaded", (e) => e.data.bundleId === label);
    }
    await waitUntil(async () => (await status()).body.session?.step === "scan", 20_000, "next label");
    // the session waits for a label: a resident scans a pickup QR code at the same terminal
    await scan("qh:pickup:80000001");
    const opened = await s.waitForEvent(
      "door.opened",
      (e) => e.data.purpose === "collect" && e.data.expected === true,
    );
    const at1 = opened.data.compartment as string;
    await s.sim(LOCKER, at1, "take");
    await s.sim(LOCKER, at1, "close");
    await s.waitForEvent("distribution.collected", (e) => e.data.bundleId === "LBL-1");
    // the volunteer's session is untouched (not a label)
    expect((await status()).body.session).toMatchObject({ step: "scan" });
    // no session: a bare 8-digit code from the scanner collects too
    expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-a/distribution")).status).toBe(200);
    await scan("80000002");
    await s.waitForEvent("door.opened", (e) => e.data.purpose === "collect" && e.data.compartment !== at1);
  });
});
