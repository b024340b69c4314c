/**
 * Attack (issue 11, review 2): a resident's pickup code scanned at the kiosk's scanner while a
 * volunteer's loading session waits for a label is shown on the public screen, and the resident
 * gets nothing.
 *
 * docs/emergency.md lets residents collect with the scanner by "a `qh:pickup:CODE` QR code, or
 * bare digits" (the printed slip's barcode). While a volunteer is signed in at the same terminal
 * (the whole loading day, between two labels), every scan without a `qh:` prefix is taken as a
 * bundle label: the resident's bare-digit code is refused as QH_DIST_BUNDLE_UNKNOWN and kept as
 * the terminal's `scanRefused.label`, which `GET /api/v1/kiosk/{t}/distribution` serves to the
 * kiosk page (the volunteer's screen shows "the label scanned", i.e. the pickup code) until the
 * next refusal. Whoever stands at the screen (the volunteer: any courier code signs in as one)
 * reads a live code, and the resident's door never opens.
 *
 * What should happen: a scan that is no bundle id of any round and reads as a pickup code
 * (`locker.codeLength`-12 digits) goes to the pickup, as it does without a session (its door
 * opens); in no case is a pickup code echoed in the view.
 *
 * Cause: src/extensions/distribution.ts `seams.distribution.scan` (every non-`qh:` scan in step
 * `scan` goes to `service.scanLabel`) and src/extensions/label-refusal.ts `LabelRefusals.record`
 * (keeps the scanned text as `label`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import {
  COURIER_CODE,
  demoBus,
  LOCKER,
  type LockerSite,
  startLockerSite,
  withScanner,
} from "../locker/support.js";

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `atk-scan-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

interface View {
  session: { step: string; loaded: number; compartment?: string } | null;
  scanRefused: { label: string; code: string } | null;
}

describe("attack: a resident's code at the scanner during a volunteer's session", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("attack: a bare-digit pickup code scanned in a volunteer session goes to the pickup and is never shown in the kiosk's view", async () => {
    site = await startLockerSite({
      buses: [
        demoBus(),
        {
          id: "bus-scanner-a",
          path: "sim://bus-scanner-a",
          protocol: "scanner-line",
          devices: [{ id: "scanner-a", model: "generic-serial-scanner" }],
        },
      ],
      terminals: [{ id: "kiosk-a", banks: [LOCKER], scanner: "scanner-a" }],
    });
    const s = site;
    await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }));
    await s.command(
      "distribution.load",
      cmd({ roundId: "r1", bundles: [{ bundleId: "B1", household: "h1", code: "80000001" }] }),
    );
    const view = async () => (await s.kiosk<View>("distribution", undefined, "kiosk-a")).body;
    expect((await s.kiosk("distribution/volunteer", { code: COURIER_CODE }, "kiosk-a")).status).toBe(200);
    const v1 = await s.kiosk<{ compartment: string }>("distribution/label", { label: "B1" }, "kiosk-a");
    const at = v1.body.compartment;
    await waitUntil(async () => (await view()).session?.step === "open", 20_000, "B1's door open");
    await s.sim(LOCKER, at, "put");
    await s.sim(LOCKER, at, "close");
    await waitUntil(async () => (await view()).session?.loaded === 1, 20_000, "B1 loaded");
    // the volunteer stays signed in (step scan); the resident scans the slip's barcode
    expect(
      (await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: "80000001" })).status,
    ).toBe(200);
    await waitUntil(
      async () => (await view()).scanRefused !== null || (await s.compartment(LOCKER, at)).doorOpen === true,
      20_000,
      "the scan handled (a refusal in the view, or the bundle's door open)",
    );
    const after = await view();
    expect(JSON.stringify(after), "the resident's pickup code on the kiosk's view").not.toContain("80000001");
    expect((await s.compartment(LOCKER, at)).doorOpen).toBe(true);
  });

  it("a wrong bare-digit scan during the session counts toward the terminal's lockout (no label refusal); a bundle id of digits is still its label", async () => {
    site = await startLockerSite({ ...withScanner(), locker: { maxWrongCodes: 2 } });
    const s = site;
    await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }));
    await s.command(
      "distribution.load",
      cmd({ roundId: "r1", bundles: [{ bundleId: "70000001", household: "h1", code: "80000001" }] }),
    );
    const view = async () => (await s.kiosk<View>("distribution", undefined, "kiosk-a")).body;
    const scan = (code: string) => s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code });
    expect((await s.kiosk("distribution/volunteer", { code: COURIER_CODE }, "kiosk-a")).status).toBe(200);
    // a bundle id made of digits: its label (its door opens), not a pickup code
    expect((await scan("70000001")).status).toBe(200);
    await waitUntil(async () => (await view()).session?.step === "open", 20_000, "70000001's door open");
    const at = (await view()).session?.compartment as string;
    await s.sim(LOCKER, at, "put");
    await s.sim(LOCKER, at, "close");
    await waitUntil(async () => (await view()).session?.loaded === 1, 20_000, "the bundle loaded");
    // a guessed code under the scanner: a wrong pickup code, counted as a typed one is
    const wrong = () => s.metric("qh_kiosk_wrong_codes_total", { terminal: "kiosk-a", kind: "pickup" });
    expect((await scan("99999991")).status).toBe(200);
    await waitUntil(async () => (await wrong()) === 1, 20_000, "the first wrong scan counted");
    expect((await view()).scanRefused).toBeNull();
    expect((await scan("99999992")).status).toBe(200);
    await waitUntil(
      async () => (await s.health()).body.warnings.join("\n").includes("terminal kiosk-a locked out"),
      20_000,
      "kiosk-a locked out",
    );
    // the resident's right code now waits for the lockout, as typed
    expect((await s.kiosk("pickup", { code: "80000001" }, "kiosk-a")).status).toBe(429);
    expect((await s.compartment(LOCKER, at)).doorOpen).toBe(false);
    expect(JSON.stringify(await view())).not.toMatch(/9999999/);
  });
});
