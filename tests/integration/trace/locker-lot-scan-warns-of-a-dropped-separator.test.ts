/**
 * A courier's pack label scanned during a deposit by a scanner that drops the GS separator: the
 * lot runs into the expiry's AI ((10) DUMPLING-3 then (17) 301231 read as one lot). By default
 * (`trace.gs1.runOnLots: refuse`) the label is refused as QH_GS1_SEPARATOR (a lot recorded wrongly
 * escapes later recalls: the scanner is to be fixed), and the kiosk's status says so. With
 * `runOnLots: record` the lot is recorded as scanned and the kiosk's status carries the warning,
 * so the courier is asked to check the lot against the label. A clean label carries none.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { waitUntil } from "../../helpers/upstream.js";
import { COURIER_CODE, type SessionView, startLockerSite, withScanner } from "../locker/support.js";

const GTIN = "04012345678901";

describe("a lot label with a dropped separator, scanned into a parcel at the kiosk", () => {
  let site: Awaited<ReturnType<typeof startLockerSite>> | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  async function start(trace?: Record<string, unknown>) {
    site = await startLockerSite({
      ...(trace ? { trace } : {}),
      ...withScanner(),
    });
    const s = site;
    const k = (path: string, body?: Record<string, unknown>) => s.kiosk<SessionView>(path, body, "kiosk-a");
    const status = async () =>
      (
        await s.kiosk<{ lot: { outcome: string; lot: string; warnings?: string[]; seq: number } | null }>(
          "status",
          undefined,
          "kiosk-a",
        )
      ).body.lot;
    expect((await k("deposit", { courierCode: COURIER_CODE })).status).toBe(200);
    expect((await k("deposit/barcode", { barcode: "PKG-DROPPED-1" })).status).toBe(200);
    expect((await k("deposit/size", { size: "M" })).status).toBe(200);
    await waitUntil(async () => (await k("deposit")).body.step === "open", 20_000, "deposit door open");
    // (01) GTIN (10) DUMPLING-3 (17) 301231, the GS after the lot lost on the way
    const dropped = `]d201${GTIN}10DUMPLING-317301231`;
    expect((await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: dropped })).status).toBe(
      200,
    );
    return { s, status };
  }

  it("is refused by default as QH_GS1_SEPARATOR, and the kiosk's status says so", async () => {
    const { status } = await start();
    await waitUntil(async () => (await status()) != null, 10_000, "the lot notice");
    expect(await status()).toMatchObject({ outcome: "invalid", code: "QH_GS1_SEPARATOR", ai: "10" });
  });

  it("under runOnLots record: recorded as scanned with the warning; a clean label none", async () => {
    const { s, status } = await start({ gs1: { runOnLots: "record" } });
    await waitUntil(async () => (await status())?.outcome === "recorded", 10_000, "the lot notice");
    const warned = await status();
    expect(warned).toMatchObject({ outcome: "recorded", lot: "DUMPLING-317301231" });
    expect(warned?.warnings?.[0]).toMatch(/\(10\) DUMPLING-317301231 ends like \(17\) 301231/);

    // the same pack's label with its separator: recorded without a warning
    const clean = encodeGs1(
      [
        { ai: "01", value: GTIN },
        { ai: "10", value: "DUMPLING-3" },
        { ai: "17", value: "301231" },
      ],
      { symbology: "]d2" },
    );
    expect((await s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code: clean })).status).toBe(
      200,
    );
    await waitUntil(
      async () => ((await status())?.seq ?? 0) > (warned?.seq ?? 0),
      10_000,
      "the second notice",
    );
    const ok = await status();
    expect(ok).toMatchObject({ outcome: "recorded", lot: "DUMPLING-3" });
    expect(ok?.warnings).toBeUndefined();
  });
});
