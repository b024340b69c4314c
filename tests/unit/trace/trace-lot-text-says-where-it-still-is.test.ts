/**
 * New-user review of issue 11: the operator on site runs `quarterhour trace lot GTIN LOT` during a
 * recall (docs/traceability.md: "It prints the same report as text, or JSON with --json"). On the
 * demo, lot LOT-A had been loaded into vending-a slot 1 (10), one sold, and the recall answered
 * `holding: [{ device: "vending-a", slot: 1, quantity: 9 }]`: nine packs still to take out. The text
 * printed the load (×10) and the sale, and nothing about the nine still in the machine: the one
 * line an operator on site needs. The report below is the demo's, as `--json` printed it.
 */
import { describe, expect, it } from "vitest";
import { formatTrace } from "../../../src/cli/trace.js";

const report = {
  gtin: "09501101530003",
  lot: "LOT-A",
  expiry: "2027-01-31",
  recalled: { recallId: "rc2", at: "2026-11-30T22:07:29.922Z", reason: null },
  loads: [
    {
      kind: "slot",
      device: "vending-a",
      slot: 1,
      quantity: 10,
      loadedAt: "2026-11-30T22:06:54.809Z",
      endedAt: null,
      expiredAt: null,
      by: "ops",
    },
  ],
  holding: [{ device: "vending-a", slot: 1, quantity: 9 }],
  vends: [
    {
      saleId: "s-1",
      device: "vending-a",
      slot: 1,
      at: "2026-11-30T22:06:59.027Z",
      price: 300,
      payment: "cash",
      certain: true,
    },
  ],
  parcels: [],
  bundles: [],
  coldChain: [],
};

describe("new user: quarterhour trace lot as text", () => {
  // new user: formatTrace (src/cli/trace.ts) prints no line for `holding`, so the text report does
  // not say that 9 of the recalled lot are still in vending-a slot 1. Fixed when this fails.
  it("says where the lot still is, and how many", () => {
    const text = formatTrace(report);
    const line = text
      .split("\n")
      .find((l) => /\b(still|holding|holds|held)\b/i.test(l) && /vending-a/.test(l));
    expect(line, text).toBeDefined();
    expect(line).toMatch(/slot 1\b.*\b9\b|\b9\b.*slot 1\b/);
  });
});
