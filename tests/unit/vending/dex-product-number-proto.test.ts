/**
 * A DEX product number is machine data: `__proto__` (or `constructor`) is a product like any
 * other, kept in the baseline, compared in the next audit, never dropped or confused with
 * Object.prototype.
 */
import { describe, expect, it } from "vitest";
import { type Counters, reconcile } from "../../../src/domain/vending/reconcile.js";
import { parseDex } from "../../../src/protocols/dex-ucs/index.js";

const file = (evil: number, water: number, name = "__proto__") =>
  `${[
    "DXS*X*VA*V1/1*1",
    "ST*001*0001",
    "VA1*0*0*0*0",
    `PA1*${name}*100*Evil`,
    `PA2*${evil}*${evil * 100}*0*0`,
    "PA1*1*100*Water",
    `PA2*${water}*${water * 100}*0*0`,
    "SE*1*0001",
    "DXE*1*1",
  ].join("\r\n")}\r\n`;

describe("DEX product numbers that are Object.prototype's names", () => {
  for (const name of ["__proto__", "constructor", "toString"]) {
    it(`${name}: kept in the baseline and reconciled in the next audit`, () => {
      const base = reconcile(parseDex(file(10, 5, name)), null, [], new Map());
      expect(base.products.map((p) => p.product).sort()).toEqual(["1", name].sort());
      // stored as JSON and read back, as vending_audits does
      const prev = JSON.parse(JSON.stringify(base.counters)) as Counters;
      expect(Object.keys(prev.products).sort()).toEqual(["1", name].sort());
      const r = reconcile(
        parseDex(file(99, 7, name)),
        prev,
        [{ slot: 1, payment: "cash", vends: 2, value: 200 }],
        new Map([[1, { dexProduct: "1", name: "Water" }]]),
      );
      expect(r.products.map((p) => p.product)).toContain(name);
      expect(r.mismatches).toContainEqual(
        expect.objectContaining({ scope: "product", product: name, field: "vends", dex: 89, gateway: 0 }),
      );
      expect(r.mismatches.filter((m) => m.product === "1")).toEqual([]);
    });
  }

  it("a product absent from the previous audit named like a prototype key counts from zero", () => {
    const base = reconcile(parseDex(file(0, 5, "9")), null, [], new Map());
    const prev = JSON.parse(JSON.stringify(base.counters)) as Counters;
    const r = reconcile(parseDex(file(3, 5, "constructor")), prev, [], new Map());
    expect(r.mismatches).toContainEqual(
      expect.objectContaining({ product: "constructor", field: "vends", dex: 3, gateway: 0 }),
    );
  });
});
