/**
 * Rationed vending (issue 11), three holes an attacker review found:
 * - `vend.prices` without a device at a site with two vending machines skipped the emergency
 *   price cap (the wrapper could not name the machine, the stock handler still could: the
 *   planogram's only machine). Now every machine the price could land on is checked.
 * - A slot added to the planogram during an emergency had no kept normal price and followed its
 *   price of the moment, so a planogram that raised it raised its cap. Its first price seen in the
 *   emergency is now kept as its normal one.
 * - Limits are set per (device, slot) but counted per product: two slots of one product with
 *   different limits let the larger win. The smallest limit of the product's essential slots
 *   applies.
 * Real SQLite file in a temp dir. The inner `vend.prices` handler is a recorder: this is the
 * wrapper's test (the stock handler's own checks are tested in restock-and-prices.test.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import type { JsonObject } from "../../../src/core/envelope.js";
import { Rationing, type RationSlot } from "../../../src/domain/vending/ration.js";
import { rationCommands } from "../../../src/domain/vending/ration-commands.js";
import { MemoryMode } from "../distribution/fixture.js";

describe("emergency price cap and per-product limits", () => {
  let dir: string;
  let db: Database.Database;
  let clock: ManualClock;
  let mode: MemoryMode;
  let ration: Rationing;
  // the planogram: vm-a only (vm-b is a vending machine of the site with no planogram yet)
  const slots = new Map<string, RationSlot>();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "qh-cap-"));
    db = new Database(join(dir, "gw.db"));
    clock = new ManualClock(Date.parse("2026-01-01T02:00:00.000Z"));
    mode = new MemoryMode("normal");
    slots.clear();
    slots.set("vm-a#3", { price: 500, product: "milk" });
    slots.set("vm-a#4", { price: 500, product: "milk" });
    ration = new Rationing({
      db,
      siteMode: mode,
      clock,
      log: pino({ level: "silent" }),
      timeZone: "UTC",
      slotInfo: (d, s) => slots.get(`${d}#${s}`),
      allPrices: () =>
        [...slots].map(([k, v]) => ({
          device: k.split("#")[0]!,
          slot: Number(k.split("#")[1]),
          price: v.price,
        })),
    });
    mode.set("emergency");
  });
  afterEach(() => {
    ration.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses vend.prices above normal without a device at a two-machine site", async () => {
    let inner: JsonObject | undefined;
    const cmds = rationCommands(
      ration,
      {
        "vend.prices": async (args) => {
          inner = args;
          return { ok: true };
        },
      },
      ["vm-a", "vm-b"],
      () => clock.now(),
    );
    await expect(
      cmds["vend.prices"]!({ prices: [{ slot: 3, price: 9000 }] }, { id: "y" }),
    ).rejects.toMatchObject({
      code: "QH_VEND_PRICE_CAP",
    });
    expect(inner).toBeUndefined();
    await expect(
      cmds["vend.prices"]!({ device: "vm-a", prices: [{ slot: 3, price: 9000 }] }, { id: "x" }),
    ).rejects.toMatchObject({ code: "QH_VEND_PRICE_CAP" });
    // at or below normal passes to the stock handler
    await cmds["vend.prices"]!({ prices: [{ slot: 3, price: 400 }] }, { id: "z" });
    expect(inner).toEqual({ prices: [{ slot: 3, price: 400 }] });
  });

  it("keeps a slot added in the emergency at its first price: a planogram raise does not lift its cap", () => {
    slots.set("vm-a#7", { price: 300, product: "bread" });
    expect(ration.normalPrice("vm-a", 7)).toBe(300);
    slots.set("vm-a#7", { price: 900, product: "bread" });
    expect(ration.normalPrice("vm-a", 7)).toBe(300);
    ration.store.setEssentials("vm-a", [{ slot: 7, limitPerHousehold: 5 }], clock.now(), "c-ess");
    ration.store.bindHousehold("pay-1", "h-1", "vm-a", clock.now());
    expect(ration.gate("vm-a", 7, { paymentRef: "pay-1", price: 900 })).toMatchObject({
      reason: "price_above_normal",
      normalPrice: 300,
    });
    // back to normal: the kept prices go, and a new emergency keeps the prices of then
    mode.set("normal");
    expect(ration.store.normalPrice("vm-a", 7)).toBeUndefined();
  });

  it("a product new to the site keeps its first price in every slot; a re-slotted slot takes its product's", () => {
    slots.set("vm-a#7", { price: 300, product: "bread" });
    slots.set("vm-b#1", { price: 800, product: "bread" });
    expect(ration.normalPrice("vm-a", 7)).toBe(300);
    expect(ration.normalPrice("vm-b", 1)).toBe(300); // another machine, same product: capped at 300
    // slot 4 held milk at the start; it now holds bread at 700: bread's normal price applies
    slots.set("vm-a#4", { price: 700, product: "bread" });
    expect(ration.normalPrice("vm-a", 4)).toBe(300);
    // and vend.prices at the machine's own slot 3 (milk, kept 500) is unchanged
    expect(ration.normalPrice("vm-a", 3)).toBe(500);
  });

  it("counts a product's ration against the smallest limit among its essential slots", () => {
    ration.store.setEssentials(
      "vm-a",
      [
        { slot: 3, limitPerHousehold: 1 },
        { slot: 4, limitPerHousehold: 5 },
      ],
      clock.now(),
      "c-ess",
    );
    ration.store.bindHousehold("pay-1", "h-1", "vm-a", clock.now());
    ration.store.bindHousehold("pay-2", "h-1", "vm-a", clock.now());
    // the first milk (slot 3) approved and pending: the second, from slot 4 (limit 5), is denied
    expect(ration.gate("vm-a", 3, { paymentRef: "pay-1", price: 500 })).toBeUndefined();
    expect(ration.gate("vm-a", 4, { paymentRef: "pay-2", price: 500 })).toMatchObject({
      reason: "ration_exhausted",
      ration: { household: "h-1", limit: 1, used: 1 },
    });
  });
});
