/**
 * An installer sees the guessing guard at work without reading the event stream (issue 14, kiosk
 * terminals and pickup-code guessing; docs/locker.md, "Guessing codes"):
 *
 * - every wrong code is counted per declared terminal and kind (`qh_kiosk_wrong_codes_total`), and
 *   every request refused before a code is looked at by reason (`qh_kiosk_codes_refused_total`:
 *   terminal_unknown, locked_out, site_slowed);
 * - a lock-out and the site's slowed mode are each a warn log line naming the event they raised;
 * - while they last, /health `warnings` says so (status stays "ok": the site works, slowly).
 * Time is a ManualClock handed to the gateway.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { type LockerSite, startLockerSite, TERMINAL } from "./support.js";

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

describe("the kiosk guessing guard in metrics, logs and /health", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("counts wrong and refused codes, logs the lock-out and slowed mode, and /health warns", async () => {
    const clock = new ManualClock(Date.now());
    const log = capture();
    site = await startLockerSite({
      clock,
      log: log.logger,
      locker: { maxWrongCodes: 2, lockoutMinutes: 15, siteMaxWrongCodes: 3, siteWindowHours: 1 },
    });
    const s = site;

    expect((await s.kiosk("pickup", { code: "000001" }, "kiosk-x")).status).toBe(404);
    expect(await s.metric("qh_kiosk_codes_refused_total", { reason: "terminal_unknown" })).toBe(1);

    expect((await s.kiosk("pickup", { code: "000001" })).status).toBe(403);
    expect((await s.kiosk("pickup", { code: "000002" })).status).toBe(429); // 2nd wrong: locked out
    expect((await s.kiosk("pickup", { code: "000003" })).status).toBe(429);
    expect(await s.metric("qh_kiosk_wrong_codes_total", { terminal: TERMINAL, kind: "pickup" })).toBe(2);
    expect(await s.metric("qh_kiosk_codes_refused_total", { reason: "locked_out" })).toBe(1);
    const lockedLine = log.lines.find((l) => String(l.msg).includes("kiosk.locked_out"));
    expect(lockedLine).toMatchObject({ level: 40, terminal: TERMINAL, attempts: 2 });
    let h = await s.health();
    expect(h.body.status).toBe("ok");
    expect(h.body.warnings.join("\n")).toMatch(new RegExp(`terminal ${TERMINAL} locked out .* until `));

    // the 3rd wrong code, at the other terminal, puts the site into slowed mode
    expect((await s.kiosk("deposit", { courierCode: "NOTACOURIER9" }, "kiosk-2")).status).toBe(403);
    expect((await s.kiosk("pickup", { code: "000004" }, "kiosk-2")).status).toBe(429);
    expect(await s.metric("qh_kiosk_wrong_codes_total", { terminal: "kiosk-2", kind: "courier" })).toBe(1);
    expect(await s.metric("qh_kiosk_codes_refused_total", { reason: "site_slowed" })).toBe(1);
    const slowedLine = log.lines.find((l) => String(l.msg).includes("kiosk.guessing_suspected"));
    expect(slowedLine).toMatchObject({ level: 40, terminal: "kiosk-2", wrongCodes: 3, slowedSeconds: 1200 });
    h = await s.health();
    expect(h.body.status).toBe("ok");
    expect(h.body.warnings.join("\n")).toMatch(
      /site slowed after 3 wrong codes within 1 h .*codes taken again from/,
    );

    // an hour later the window is empty: no warning left
    clock.advance(61 * 60_000);
    h = await s.health();
    expect(h.body.warnings.filter((w) => w.startsWith("locker:"))).toEqual([]);
  });
});
