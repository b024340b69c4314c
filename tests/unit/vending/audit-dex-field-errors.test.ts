/**
 * The DEX audit against files that are sealed right (G85 verifies) but say something odd: a product
 * number given twice (its blocks' counters summed, a duplicate_product warning), a negative counter
 * (a field error: warned, never used), and another machine's serial (machine_changed: no delta
 * against the other machine's counters, this audit the new baseline).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AuditProduct, auditLines, parseDex, sealDex } from "../../../src/protocols/dex-ucs/index.js";
import { DEX_DIR } from "../dex/samples.js";
import { auditOf, useStock } from "./stock-fixture.js";

const PRICES: Record<string, number> = { "1": 200, "2": 350, "3": 300, "6": 600 };
type Blocks = [number: string, cash: number, cashless: number][];

/** A sealed DEX file with these product blocks (a number may repeat), counters since init. */
function dex(blocks: Blocks, o: { serial?: string; edit?: (l: string) => string } = {}): string {
  const products: AuditProduct[] = blocks.map(([number, cash, cashless]) => ({
    number,
    name: `P${number}`,
    price: PRICES[number]!,
    cash: { init: cash, reset: 0 },
    cashless: { init: cashless, reset: 0 },
  }));
  const lines = auditLines({ serial: o.serial ?? "QHVM000001", date: "20261130", time: "0900", products });
  return sealDex(o.edit ? lines.map(o.edit) : lines);
}

const START: Blocks = [
  ["1", 10, 20],
  ["2", 5, 5],
];

describe("DEX audit: sealed files that say something odd", () => {
  const f = useStock();
  const audit = () => auditOf(f);

  it("the duplicate-product sample: both PA1 blocks kept, each with its own PA7, a duplicate_product warning", () => {
    const a = parseDex(readFileSync(`${DEX_DIR}samples/duplicate-product.dex`));
    expect(a.integrity.verdict).toBe("verified");
    const ones = a.products.filter((p) => p.number === "1");
    expect(ones.map((p) => p.vends?.init.count)).toEqual([100, 15]);
    expect(ones.map((p) => p.byDevice.map((d) => d.init.count))).toEqual([
      [30, 70],
      [10, 5],
    ]);
    expect(a.integrity.warnings.join("\n")).toMatch(/duplicate_product: PA1 product "1" is given again/);
  });

  it("a product given twice: its blocks' counters are summed, neither hidden nor invented", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    await f.sell(1, "cashless");
    await f.sell(1, "cashless");
    await f.sell(1, "cash");
    // product 1's 11 cash and 22 cashless vends split across two blocks
    const r = await a.ingest(
      "vm-1",
      dex([
        ["1", 8, 15],
        ["2", 5, 5],
        ["1", 3, 7],
      ]),
      "test",
    );
    expect(r).toMatchObject({ verdict: "verified", reconciled: true, mode: "delta" });
    expect((r.warnings as string[]).join("\n")).toContain("duplicate_product");
    expect(r.mismatches).toEqual([]);
    const p1 = (r.products as { product: string; dex: unknown }[]).filter((p) => p.product === "1");
    expect(p1).toHaveLength(1);
    expect(p1[0]).toMatchObject({
      dex: {
        all: { vends: 3, value: 600 },
        cash: { vends: 1, value: 200 },
        cashless: { vends: 2, value: 400 },
      },
    });
  });

  it("a negative counter is a field error: warned, never a counter reset nor a mismatch", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    await f.sell(1, "cash");
    const r = await a.ingest(
      "vm-1",
      dex(
        [
          ["1", 11, 20],
          ["2", 5, 5],
        ],
        { edit: (l) => (l.startsWith("PA2*31*") ? "PA2*-4*-1000*0*0" : l) },
      ),
      "test",
    );
    expect(r).toMatchObject({ verdict: "verified", reconciled: true, mode: "delta" });
    expect((r.warnings as string[]).join("\n")).toMatch(/negative_value: PA2 field 1 "-4"/);
    // PA2 of product 1 unusable: its all-figures unknown; PA7 (cash 1) still compared and right
    expect(r.mismatches).toEqual([]);
    const p1 = (r.products as { product: string; dex: unknown }[]).find((p) => p.product === "1");
    expect(p1).toMatchObject({
      dex: { all: { vends: null, value: null }, cash: { vends: 1, value: 200 } },
    });
  });

  it("another machine's serial: machine_changed with both serials, no deltas, the new baseline", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    await f.sell(1, "cash");
    // a swapped controller: its counters are far below (or above) the old machine's
    const swapped: Blocks = [
      ["1", 2, 1],
      ["2", 40, 40],
    ];
    const r = await a.ingest("vm-1", dex(swapped, { serial: "QHVM000777" }), "test");
    expect(r).toMatchObject({ reconciled: true, mode: "baseline" });
    expect(r.mismatches).toEqual([
      {
        scope: "machine",
        field: "machine_changed",
        serial: "QHVM000777",
        previousSerial: "QHVM000001",
        dex: null,
        gateway: null,
        difference: null,
      },
    ]);
    // the next audit of the new machine is a delta against it
    await f.sell(2, "cash");
    const next = await a.ingest(
      "vm-1",
      dex(
        [
          ["1", 2, 1],
          ["2", 41, 40],
        ],
        { serial: "QHVM000777" },
      ),
      "test",
    );
    expect(next).toMatchObject({ mode: "delta", mismatches: [] });
  });
});
