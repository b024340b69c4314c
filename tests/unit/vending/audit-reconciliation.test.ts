/**
 * The DEX audit reconciliation: the machine's counters since the previous audit against the
 * gateway's own vending_sales, per product and machine, cash and cashless; every mismatch in
 * `audit.dex`; untrusted files stored but never reconciled; a clock step changes nothing.
 */
import { describe, expect, it } from "vitest";
import type { DexFetcher } from "../../../src/domain/vending/audit.js";
import { type AuditProduct, auditLines, sealDex } from "../../../src/protocols/dex-ucs/index.js";
import { auditOf, useStock } from "./stock-fixture.js";

type C = Record<string, { cash: number; cashless: number }>;
const PRICES: Record<string, number> = { "1": 200, "2": 350, "3": 300, "6": 600 };

/** A DEX file whose counters since init are `c` (products 1, 2, 3, 6 of the fixture's planogram). */
function dex(c: C, o: { corrupt?: boolean; cut?: boolean; noG85?: boolean } = {}): string {
  const products: AuditProduct[] = Object.entries(PRICES).map(([number, price]) => ({
    number,
    name: `P${number}`,
    price,
    cash: { init: c[number]?.cash ?? 0, reset: 0 },
    cashless: { init: c[number]?.cashless ?? 0, reset: 0 },
  }));
  let text = sealDex(auditLines({ serial: "QHVM000001", date: "20261130", time: "0900", products }));
  if (o.corrupt) text = text.replace(/^VA1\*/m, "VA1*9");
  if (o.cut) text = text.slice(0, text.indexOf("LA1*"));
  if (o.noG85) text = text.replace(/^G85\*[^\r\n]*\r\n/m, "");
  return text;
}

const START: C = { "1": { cash: 10, cashless: 20 }, "2": { cash: 5, cashless: 5 } };

describe("DEX audit reconciliation", () => {
  const f = useStock();
  const audit = (fetcher?: DexFetcher) => auditOf(f, fetcher);

  it("the first audit is a baseline: stored, reported, nothing compared", async () => {
    const a = audit();
    const r = await a.ingest("vm-1", dex(START), "test");
    expect(r).toMatchObject({ verdict: "verified", reconciled: true, mode: "baseline", mismatches: [] });
    const [ev] = f.sink.events("audit.dex");
    expect(ev?.device).toBe("vm-1");
    expect(ev?.data).toMatchObject({ auditId: r.auditId, mode: "baseline" });
    expect(a.file(r.auditId as string)?.toString("latin1")).toBe(dex(START));
  });

  it("matching counters and sales: totals per product, cash and cashless, no mismatch", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    await f.sell(1, "cashless");
    await f.sell(1, "cashless");
    await f.sell(1, "cash");
    await f.sell(2, "cash");
    const r = await a.ingest(
      "vm-1",
      dex({ "1": { cash: 11, cashless: 22 }, "2": { cash: 6, cashless: 5 } }),
      "test",
    );
    expect(r.mode).toBe("delta");
    expect(r.mismatches).toEqual([]);
    expect(r.totals).toEqual({
      dex: {
        all: { vends: 4, value: 950 },
        cash: { vends: 2, value: 550 },
        cashless: { vends: 2, value: 400 },
      },
      gateway: {
        all: { vends: 4, value: 950 },
        cash: { vends: 2, value: 550 },
        cashless: { vends: 2, value: 400 },
      },
    });
    const p1 = (r.products as { product: string; slot: number; dex: unknown }[]).find(
      (p) => p.product === "1",
    );
    expect(p1).toMatchObject({
      slot: 1,
      dex: { all: { vends: 3, value: 600 }, cashless: { vends: 2, value: 400 } },
    });
  });

  it("reports every mismatch: a vend the gateway never recorded, and one the machine never counted", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    await f.sell(1, "cashless"); // the machine counts 2 cashless for product 1: one vend missing here
    await f.sell(12, "cash"); // slot 12 is DEX product 6: the machine counts none
    const r = await a.ingest("vm-1", dex({ ...START, "1": { cash: 10, cashless: 22 } }), "test");
    expect(r.mismatches).toEqual(
      expect.arrayContaining([
        { scope: "product", product: "1", slot: 1, field: "vends", dex: 2, gateway: 1, difference: 1 },
        { scope: "product", product: "1", slot: 1, field: "value", dex: 400, gateway: 200, difference: 200 },
        {
          scope: "product",
          product: "1",
          slot: 1,
          field: "cashless_vends",
          dex: 2,
          gateway: 1,
          difference: 1,
        },
        { scope: "product", product: "6", slot: 12, field: "vends", dex: 0, gateway: 1, difference: -1 },
        {
          scope: "product",
          product: "6",
          slot: 12,
          field: "cash_value",
          dex: 0,
          gateway: 600,
          difference: -600,
        },
        { scope: "machine", field: "cashless_vends", dex: 2, gateway: 1, difference: 1 },
        { scope: "machine", field: "cash_value", dex: 0, gateway: 600, difference: -600 },
      ]),
    );
    // product 1: 4, product 6: 4, machine: 5 (its vend count matches by chance: 2 and 2)
    expect(r.mismatches).toHaveLength(13);
    const [, ev] = f.sink.events("audit.dex");
    expect(ev?.data.mismatches).toEqual(r.mismatches);
  });

  it("a corrupt, cut or unsealed (no G85) file is stored and reported, never reconciled; the next good one covers both periods", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    await f.sell(1, "cash");
    const bad = await a.ingest(
      "vm-1",
      dex({ ...START, "1": { cash: 11, cashless: 20 } }, { corrupt: true }),
      "t",
    );
    expect(bad).toMatchObject({ verdict: "corrupt", reconciled: false });
    expect(bad).not.toHaveProperty("mismatches");
    const cut = await a.ingest(
      "vm-1",
      dex({ ...START, "1": { cash: 11, cashless: 20 } }, { cut: true }),
      "t",
    );
    expect(cut).toMatchObject({ verdict: "truncated", reconciled: false });
    const noSeal = await a.ingest(
      "vm-1",
      dex({ ...START, "1": { cash: 11, cashless: 20 } }, { noG85: true }),
      "t",
    );
    expect(noSeal).toMatchObject({ verdict: "unverified", reconciled: false });
    expect(noSeal).not.toHaveProperty("mismatches");
    await f.sell(2, "cashless");
    const good = await a.ingest(
      "vm-1",
      dex({ "1": { cash: 11, cashless: 20 }, "2": { cash: 5, cashless: 6 } }),
      "t",
    );
    expect(good).toMatchObject({ reconciled: true, mode: "delta", mismatches: [] });
    expect((good.totals as { gateway: { all: unknown } }).gateway.all).toEqual({ vends: 2, value: 550 });
    expect(a.list("vm-1").map((x) => x.verdict)).toEqual([
      "verified",
      "unverified",
      "truncated",
      "corrupt",
      "verified",
    ]);
  });

  it("counts sales by record, not by clock: a wall clock stepped back between audits loses none", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    f.clock.step(-3_600_000);
    await f.sell(1, "cash");
    const r = await a.ingest("vm-1", dex({ ...START, "1": { cash: 11, cashless: 20 } }), "test");
    expect(r.mismatches).toEqual([]);
    expect((r.totals as { gateway: { all: unknown } }).gateway.all).toEqual({ vends: 1, value: 200 });
  });

  it("a machine's counters going back (reset: a new controller) is machine_counters_reset, not a negative sale", async () => {
    const a = audit();
    await a.ingest("vm-1", dex(START), "test");
    const r = await a.ingest("vm-1", dex({ "1": { cash: 1, cashless: 0 } }), "test");
    expect(r.mismatches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          scope: "product",
          product: "1",
          field: "machine_counters_reset",
          dex: 1,
          previousDex: 30,
          gateway: null,
          difference: null,
        }),
        expect.objectContaining({ scope: "machine", field: "machine_counters_reset" }),
      ]),
    );
  });

  it("run(): fetches through the bridge; a failing fetch stores nothing; one audit per machine at a time", async () => {
    let release: (t: string) => void = () => {};
    const fetcher: DexFetcher = {
      fetchDex: (device) =>
        device === "vm-1"
          ? new Promise<string>((r) => (release = r))
          : Promise.reject(new Error("no answer")),
    };
    const a = audit(fetcher);
    const first = a.run("vm-1", "cli");
    await expect(a.run("vm-1", "cli")).rejects.toMatchObject({ code: "QH_DEX_AUDIT_BUSY" });
    release(dex(START));
    await expect(first).resolves.toMatchObject({ verdict: "verified", by: "cli" });
    await expect(a.run("nope", "cli")).rejects.toMatchObject({ code: "QH_PLANOGRAM_MACHINE_UNKNOWN" });
    const failing = audit({ fetchDex: () => Promise.reject(new Error("bridge timeout")) });
    await expect(failing.run("vm-1", "cli")).rejects.toMatchObject({
      code: "QH_DEX_FETCH_FAILED",
      message: expect.stringContaining("bridge timeout"),
    });
    await expect(audit().run("vm-1", "cli")).rejects.toMatchObject({ code: "QH_DEX_FETCH_FAILED" });
    expect(a.list("vm-1")).toHaveLength(1);
  });
});
