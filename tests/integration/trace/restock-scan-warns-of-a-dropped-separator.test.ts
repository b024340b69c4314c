/**
 * A restock by scan whose label was read without its GS1 group separator (the scanner dropped it:
 * the lot runs into the expiry's AI) is recorded as scanned, and the answer says so: `warnings`
 * in the API's restock answer names the slot and the suspicious value (it used to reach only the
 * parser's result, never the operator). A clean scan answers no warnings. (Under
 * `trace.gs1.runOnLots: record`; by default such a scan is refused: run-on-lot-refused-at-restock.)
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

const GTIN = "04012345678901";

describe("restock by scan: a dropped group separator is answered as a warning", () => {
  let rig: VendingRig;
  beforeEach(async () => {
    rig = await startVendingGateway(
      { prices: { "3": 500 }, dispenseMs: 20 },
      {
        planogram: {
          machines: [
            { device: "vm-a", slots: [{ slot: 3, product: "milk-1l", price: 500, capacity: 12, count: 0 }] },
          ],
        },
        trace: { timeZone: "UTC", gs1: { runOnLots: "record" } },
        clock: { synchronized: "yes" },
      },
      { clock: new ManualClock(Date.parse("2026-01-01T08:00:00.000Z")) },
    );
  });
  afterEach(async () => {
    await rig.stop();
  });

  it("answers warnings naming the slot, and none for a clean scan", async () => {
    // (01) GTIN (10) MILK0105 then (17) 260103 with no GS between the lot and the date
    const dropped = `]C10104012345678901` + `10MILK0105` + `17260103`;
    const r = await rig.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: dropped }],
    });
    expect(r.status).toBe(200);
    const warnings = r.body.warnings as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^slot 3: \(10\) MILK010517260103 ends like \(17\) 260103/);
    expect(warnings[0]).toContain("trace.gs1.separator");

    const clean = encodeGs1(
      [
        { ai: "01", value: GTIN },
        { ai: "10", value: "MILK0106" },
        { ai: "17", value: "260110" },
      ],
      { symbology: "]C1" },
    );
    const ok = await rig.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 8, scan: clean }],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.warnings).toEqual([]);
  });
});
