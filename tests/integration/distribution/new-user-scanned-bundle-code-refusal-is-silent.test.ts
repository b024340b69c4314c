/**
 * New user (an installer trying issue 11 on the demo, from docs/emergency.md alone).
 *
 * What I did: switched the demo to emergency, loaded a round with a bundle whose time slot is
 * tomorrow, loaded it as a volunteer, then collected it as a resident, first by typing the code at
 * the kiosk (`POST /api/v1/kiosk/kiosk-a/pickup`): a clear 409 `QH_DIST_OUTSIDE_SLOT` with the
 * slot, which the page words as "your bundle is ready from … to …, please come then"; then by
 * holding the QR code `qh:pickup:CODE` under the kiosk's scanner, as emergency.md's demo section
 * offers ("or hold the QR code `qh:pickup:112233` under the scanner").
 *
 * What I expected: the same answer on the screen for the scanned code. The issue says residents
 * collect contactless and, outside their slot, are "told when to come"; emergency.md: "Outside it
 * … the kiosk says when to come". A QR code is the contactless way.
 *
 * What happened: nothing on the kiosk. `GET /api/v1/kiosk/{t}/status` keeps the previous `collect`
 * notice (or null), `GET /api/v1/kiosk/{t}/distribution` has no refusal (its `scanRefused` is for a
 * volunteer's labels only); the refusal is only a gateway log line (`scan refused`,
 * `QH_DIST_OUTSIDE_SLOT`). The resident at the locker sees no answer at all. The same holds for a
 * recalled or expired bundle scanned by its QR code, and for a wrong code.
 *
 * Cause: src/extensions/locker.ts `onScan` → `service.pickup(terminal, code)`; its rejection goes
 * to `slog.warn(…, "scan refused")` only, and no kiosk view keeps a resident's refused scan
 * (src/extensions/label-refusal.ts keeps only a volunteer's refused labels).
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, demoBus, LOCKER, type LockerSite, startLockerSite } from "../locker/support.js";

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `nu-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("new user: a resident's bundle QR code scanned outside its slot", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("new user: the kiosk tells a resident who scans their bundle's QR code outside the slot when to come", async () => {
    const log = capture();
    site = await startLockerSite({
      log: log.logger,
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
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
      status: "ok",
    });
    const tomorrow = Date.now() + 24 * 3_600_000;
    const slot = { from: new Date(tomorrow).toISOString(), to: new Date(tomorrow + 7_200_000).toISOString() };
    expect(
      await s.command(
        "distribution.load",
        cmd({ roundId: "r1", bundles: [{ bundleId: "BND-2", household: "h-2", code: "223344", slot }] }),
      ),
    ).toMatchObject({ status: "ok" });

    // a volunteer loads it
    expect((await s.kiosk("distribution/volunteer", { code: COURIER_CODE }, "kiosk-a")).status).toBe(200);
    const label = await s.kiosk<{ compartment: string }>("distribution/label", { label: "BND-2" }, "kiosk-a");
    expect(label.status).toBe(200);
    await s.sim(LOCKER, label.body.compartment, "put");
    await s.sim(LOCKER, label.body.compartment, "close");
    await s.waitForEvent("distribution.loaded", (e) => e.data.bundleId === "BND-2");
    expect((await s.request("DELETE", "/api/v1/kiosk/kiosk-a/distribution")).status).toBe(200);

    // typed: a clear answer the page words
    const typed = await s.kiosk<{ error: { code: string } }>("pickup", { code: "223344" }, "kiosk-a");
    expect(typed).toMatchObject({ status: 409, body: { error: { code: "QH_DIST_OUTSIDE_SLOT" } } });

    // scanned: the gateway refuses it the same way (its log says so) …
    const scanned = await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", {
      code: "qh:pickup:223344",
    });
    expect(scanned.status).toBe(200);
    await waitUntil(
      async () => log.lines.some((l) => l.msg === "scan refused" && l.code === "QH_DIST_OUTSIDE_SLOT"),
      20_000,
      "the scanned code refused",
    );
    // … and the kiosk page, which polls these two views, has something to tell the resident
    const status = await s.request("GET", "/api/v1/kiosk/kiosk-a/status");
    const view = await s.request("GET", "/api/v1/kiosk/kiosk-a/distribution");
    expect(JSON.stringify([status.body, view.body])).toContain("QH_DIST_OUTSIDE_SLOT");
    // the status's `pickupRefused`: what the typed code's 409 says (code, details), never the code
    const refused = (status.body as { pickupRefused: Record<string, unknown> }).pickupRefused;
    expect(refused).toMatchObject({
      code: "QH_DIST_OUTSIDE_SLOT",
      status: 409,
      details: { slot, early: true },
    });
    expect(JSON.stringify(status.body)).not.toContain("223344");
    const firstSeq = refused.seq as number;

    // a wrong code scanned: the page gets the attempts left, as for a typed wrong code
    const typedWrong = await s.kiosk<{ error: { details: { attemptsLeft: number } } }>(
      "pickup",
      { code: "999111" },
      "kiosk-a",
    );
    expect(typedWrong.status).toBe(403);
    await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: "qh:pickup:999222" });
    let wrong: unknown;
    await waitUntil(
      async () => {
        const st = await s.request("GET", "/api/v1/kiosk/kiosk-a/status");
        wrong = st.body;
        const r = (st.body as { pickupRefused: { seq: number } | null }).pickupRefused;
        return r !== null && r.seq > firstSeq;
      },
      20_000,
      "the wrong scanned code in the status",
    );
    expect(wrong).toMatchObject({
      pickupRefused: {
        code: "QH_LOCKER_CODE_WRONG",
        status: 403,
        details: { attemptsLeft: typedWrong.body.error.details.attemptsLeft - 1 },
      },
    });
    expect(JSON.stringify(wrong)).not.toContain("999222");
  });
});
