/**
 * Rationed vending (issue 11): a household paying at two machines at once. The first machine's
 * vend is approved and not yet sold when the second asks: the second is counted against it and
 * denied (`ration_exhausted`), where before it passed (the ration counted completed sales only).
 * An approval that never becomes a sale stops counting after INFLIGHT_MS.
 * Real SQLite file in a temp dir; the site mode is a fixed `emergency` (the service is tested in
 * tests/unit/site/).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import type { SiteMode, SiteModeState } from "../../../src/domain/site/mode-types.js";
import { INFLIGHT_MS, Rationing } from "../../../src/domain/vending/ration.js";
import type { RecordTx } from "../../../src/domain/vending/recorder.js";
import type { SaleRecord } from "../../../src/domain/vending/sales.js";

const EMERGENCY: SiteModeState = {
  mode: "emergency",
  reason: "typhoon",
  since: "2026-01-01T00:00:00.000Z",
  until: null,
  commandId: "c-1",
};
const mode: SiteMode = { current: () => EMERGENCY, onChange: () => () => {} };

describe("rationed vending: one household at two machines at once", () => {
  let dir: string;
  let db: Database.Database;
  let clock: ManualClock;
  let ration: Rationing;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "qh-ration-"));
    db = new Database(join(dir, "gw.db"));
    clock = new ManualClock();
    ration = new Rationing({
      db,
      siteMode: mode,
      clock,
      log: pino({ level: "silent" }),
      timeZone: "Asia/Shanghai",
      // one product (rice) in slot 1 of both machines: the ration counts the product
      slotInfo: () => ({ price: 500, product: "rice-5kg" }),
      allPrices: () => [
        { device: "vm-1", slot: 1, price: 500 },
        { device: "vm-2", slot: 1, price: 500 },
      ],
    });
    ration.start();
    for (const device of ["vm-1", "vm-2"])
      ration.store.setEssentials(device, [{ slot: 1, limitPerHousehold: 1 }], clock.now(), "c-ess");
    ration.store.bindHousehold("pay-A", "h-101", "vm-1", clock.now());
    ration.store.bindHousehold("pay-B", "h-101", "vm-2", clock.now());
  });

  afterEach(() => {
    ration.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sale = (paymentRef: string, device: string): SaleRecord => ({
    id: `sale-${paymentRef}`,
    device,
    slot: 1,
    product: "rice-5kg",
    price: 500,
    payment: "cashless",
    paymentRef,
    offline: false,
    seq: null,
    ts: clock.now(),
    clockUnsynced: false,
  });

  it("denies the second machine while the first's vend is approved and not yet sold", () => {
    expect(ration.gate("vm-1", 1, { paymentRef: "pay-A", price: 500 })).toBeUndefined();
    expect(ration.gate("vm-2", 1, { paymentRef: "pay-B", price: 500 })).toMatchObject({
      reason: "ration_exhausted",
      ration: { household: "h-101", limit: 1, used: 1 },
    });
    // the first completes: it is a sale now, still one, and the second is still denied
    db.transaction(() => ration.onSale(sale("pay-A", "vm-1"), { db } as unknown as RecordTx))();
    expect(ration.store.used("h-101", "rice-5kg", ration.today())).toBe(1);
    expect(ration.gate("vm-2", 1, { paymentRef: "pay-B", price: 500 })).toMatchObject({
      reason: "ration_exhausted",
      ration: { used: 1 },
    });
  });

  it("an approval that never becomes a sale stops counting after INFLIGHT_MS", () => {
    expect(ration.gate("vm-1", 1, { paymentRef: "pay-A", price: 500 })).toBeUndefined();
    expect(ration.gate("vm-2", 1, { paymentRef: "pay-B", price: 500 })?.reason).toBe("ration_exhausted");
    clock.advance(INFLIGHT_MS + 1);
    expect(ration.gate("vm-2", 1, { paymentRef: "pay-B", price: 500 })).toBeUndefined();
  });

  it("the same session asking again is not counted against itself", () => {
    expect(ration.gate("vm-1", 1, { paymentRef: "pay-A", price: 500 })).toBeUndefined();
    expect(ration.gate("vm-1", 1, { paymentRef: "pay-A", price: 500 })).toBeUndefined();
  });
});
