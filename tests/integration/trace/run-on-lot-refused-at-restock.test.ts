/**
 * A lot label read without its group separator (`10MILK0105` `17260103` → lot MILK010517260103)
 * must not slip past a recall or an expiry date: the lot is read as its prefix for those checks.
 * Before, `trace.recall MILK0105` refused the clean label but the GS-less one was recorded as lot
 * MILK010517260103 (expiry null), the slot sold, and `trace.lot MILK0105` showed nothing. By
 * default (`trace.gs1.runOnLots: refuse`) a run-on in a scan without any GS is refused
 * (QH_GS1_SEPARATOR) so the scanner gets fixed; "record" keeps the old warning-only behaviour,
 * the recall and expiry checks still applying. A scan that carries a GS elsewhere is recorded
 * with its warning (the scanner sends separators, so the lot really ends so).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

const GTIN = "04012345678901";
const DROPPED = `]C101${GTIN}10MILK010517260103`;

async function rig(runOnLots?: "refuse" | "record"): Promise<VendingRig> {
  return startVendingGateway(
    { prices: { "3": 500 }, dispenseMs: 20 },
    {
      planogram: {
        machines: [
          { device: "vm-a", slots: [{ slot: 3, product: "milk-1l", price: 500, capacity: 12, count: 0 }] },
        ],
      },
      trace: { timeZone: "UTC", ...(runOnLots ? { gs1: { runOnLots } } : {}) },
      clock: { synchronized: "yes" },
    },
    { clock: new ManualClock(Date.parse("2026-01-01T08:00:00.000Z")) },
  );
}

function errorOf(body: Record<string, unknown>): { code?: string; details?: Record<string, unknown> } {
  return (body.error ?? body) as { code?: string; details?: Record<string, unknown> };
}

describe("a run-on lot (dropped group separator) at a restock by scan", () => {
  let r: VendingRig | undefined;
  afterEach(async () => {
    await r?.stop();
    r = undefined;
  });

  for (const mode of ["refuse", "record"] as const)
    it(`is refused as recalled when its prefix is a recalled lot (runOnLots ${mode})`, async () => {
      r = await rig(mode);
      expect((await r.command("trace.recall", { gtin: GTIN, lot: "MILK0105" })).status).toBe("ok");
      const res = await r.api("POST", "/vending/vm-a/restock", {
        slots: [{ slot: 3, count: 4, scan: DROPPED }],
      });
      expect(res.status).toBe(409);
      expect(errorOf(res.body)).toMatchObject({
        code: "QH_TRACE_LOT_RECALLED",
        details: { lot: "MILK0105", scannedLot: "MILK010517260103" },
      });
      const tl = await r.command("trace.lot", { gtin: GTIN, lot: "MILK010517260103" });
      expect((tl.result as { loads: unknown[] }).loads).toEqual([]);
    });

  it("is refused as expired when the swallowed (17) is past (runOnLots record)", async () => {
    r = await rig("record");
    const res = await r.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: `]C101${GTIN}10MILK010517251231` }],
    });
    expect(errorOf(res.body)).toMatchObject({
      code: "QH_TRACE_LOT_EXPIRED",
      details: { lot: "MILK0105", expiry: "2025-12-31" },
    });
  });

  it("is refused as QH_GS1_SEPARATOR by default; recorded with a warning under record", async () => {
    r = await rig();
    const res = await r.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: DROPPED }],
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({
      code: "QH_GS1_SEPARATOR",
      details: { ai: "10", value: "MILK010517260103", prefix: "MILK0105" },
    });
    // a scan that carries a GS: the scanner sends separators, the lot is genuine
    const withGs = `]C101${GTIN}10MILK010517260103\x1d17260110`;
    const ok = await r.api("POST", "/vending/vm-a/restock", { slots: [{ slot: 3, count: 4, scan: withGs }] });
    expect(ok.status).toBe(200);
    expect((ok.body.warnings as string[])[0]).toMatch(/^slot 3: \(10\) MILK010517260103 ends like \(17\)/);
    await r.stop();

    r = await rig("record");
    const rec = await r.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: DROPPED }],
    });
    expect(rec.status).toBe(200);
    expect(rec.body.warnings as string[]).toHaveLength(1);
  });
});
