/**
 * Restock through the API (JSON Schema, nothing coerced, coded errors) and the `vend.prices`
 * command: prices stored, `vend.prices_updated`, the reader's max/min price handed to the session
 * layer, bad args named all at once.
 */
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { vendingStockPlugin } from "../../../src/api/vending-stock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { VendingAudit } from "../../../src/domain/vending/audit.js";
import { createStockCommands } from "../../../src/domain/vending/stock-commands.js";
import { useStock } from "./stock-fixture.js";

describe("restock and prices", () => {
  const f = useStock();
  let app: FastifyInstance;
  let audit: VendingAudit;
  const TOKEN = "tok-0123456789abcdef";

  beforeEach(async () => {
    audit = new VendingAudit({
      db: f.t.db,
      recorder: f.recorder,
      planogram: f.planogram,
      log: silentLogger(),
      clockSynced: () => true,
    });
    app = await buildApp({
      registry: new Registry(),
      token: TOKEN,
      health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
      apiPlugins: [vendingStockPlugin(f.planogram, audit)],
    });
  });
  afterEach(() => app.close());

  const post = (url: string, payload: unknown) =>
    app.inject({
      method: "POST",
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${TOKEN}` },
    });

  it("POST restock sets counts, emits stock.restocked with before/after; GET stock shows them", async () => {
    await f.sell(2);
    const r = await post("/api/v1/vending/vm-1/restock", {
      slots: [
        { slot: 2, count: 8 },
        { slot: 3, count: 0 },
      ],
      by: "ops-li",
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      device: "vm-1",
      slots: [
        { slot: 2, product: "tea-500", before: 2, after: 8 },
        { slot: 3, product: "cola-330", before: 1, after: 0 },
      ],
      warnings: [],
    });
    expect(f.sink.events("stock.restocked")[0]?.data).toMatchObject({ by: "ops-li" });
    const s = await app.inject({
      url: "/api/v1/vending/vm-1/stock",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(
      s.json().slots.map((x: { slot: number; count: number; state: string }) => [x.slot, x.count, x.state]),
    ).toEqual([
      [1, 10, "ok"],
      [2, 8, "ok"],
      [3, 0, "sold_out"],
      [12, 5, "ok"],
    ]);
  });

  it("full: true fills every slot to its capacity", async () => {
    await f.sell(1);
    const r = await post("/api/v1/vending/vm-1/restock", { full: true });
    expect(r.statusCode).toBe(200);
    expect(f.planogram.slots("vm-1").map((s) => s.count)).toEqual([10, 8, 6, 5]);
  });

  it("bad bodies are 400 QH_API_INVALID naming the field; nothing is coerced; nothing changes", async () => {
    for (const body of [
      { slots: [{ slot: 1, count: "5" }] },
      { slots: [{ slot: 1, count: -1 }] },
      { slots: [] },
      { slots: [{ slot: 1, count: 1 }], extra: 1 },
      {},
      { full: false },
    ]) {
      const r = await post("/api/v1/vending/vm-1/restock", body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.code).toBe("QH_API_INVALID");
    }
    expect(f.planogram.slots("vm-1").map((s) => s.count)).toEqual([10, 3, 1, 5]);
    expect(f.sink.events("stock.restocked")).toHaveLength(0);
  });

  it("over capacity is 400 QH_PLANOGRAM_INPUT_INVALID; unknown slot or machine 404, coded", async () => {
    const over = await post("/api/v1/vending/vm-1/restock", { slots: [{ slot: 2, count: 9 }] });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({
      code: "QH_PLANOGRAM_INPUT_INVALID",
      message: expect.stringContaining("0..8"),
    });
    const slot = await post("/api/v1/vending/vm-1/restock", { slots: [{ slot: 77, count: 1 }] });
    expect(slot.statusCode).toBe(404);
    expect(slot.json().error.code).toBe("QH_PLANOGRAM_SLOT_UNKNOWN");
    const machine = await post("/api/v1/vending/vm-9/restock", { full: true });
    expect(machine.statusCode).toBe(404);
    expect(machine.json().error.code).toBe("QH_PLANOGRAM_MACHINE_UNKNOWN");
    expect(machine.json().error.hint).toBeTruthy();
  });

  it("vend.prices stores prices, emits vend.prices_updated and hands the reader its new max/min", async () => {
    const pushed: unknown[] = [];
    f.planogram.setPriceRangeListener((device, range) => {
      pushed.push({ device, range });
    });
    const cmd = createStockCommands(f.planogram, audit);
    const r = await cmd["vend.prices"]!(
      {
        prices: [
          { slot: 1, price: 150 },
          { slot: 12, price: 800 },
        ],
      },
      { id: "cmd-1", device: "vm-1" },
    );
    expect(r).toMatchObject({ readerUpdated: true, priceRange: { min: 150, max: 800 } });
    expect(pushed).toEqual([{ device: "vm-1", range: { min: 150, max: 800 } }]);
    expect(f.planogram.slot("vm-1", 12)?.price).toBe(800);
    expect(f.sink.events("vend.prices_updated")[0]?.data).toMatchObject({
      commandId: "cmd-1",
      slots: [
        { slot: 1, before: 200, after: 150 },
        { slot: 12, before: 600, after: 800 },
      ],
    });
  });

  it("vend.prices: the reader not reachable is said in the result, the prices are kept", async () => {
    f.planogram.setPriceRangeListener(() => Promise.reject(new Error("bridge offline")));
    const r = await createStockCommands(f.planogram, audit)["vend.prices"]!(
      { prices: [{ slot: 1, price: 250 }] },
      { id: "cmd-2" },
    );
    expect(r).toMatchObject({ readerUpdated: false, readerError: "bridge offline" });
    expect(f.planogram.slot("vm-1", 1)?.price).toBe(250);
  });

  it("vend.prices: every bad arg named at once (QH_COMMAND_INVALID); unknown slot coded", async () => {
    const cmd = createStockCommands(f.planogram, audit)["vend.prices"]!;
    await expect(
      cmd({ device: 5, prices: [{ slot: "1", price: 1.5 }, { slot: 2 }] }, { id: "c" }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: expect.stringMatching(
        /args\.device[\s\S]*prices\[0\]\.slot[\s\S]*prices\[0\]\.price[\s\S]*prices\[1\]\.price/,
      ),
    });
    await expect(cmd({ prices: [{ slot: 99, price: 100 }] }, { id: "c" })).rejects.toMatchObject({
      code: "QH_PLANOGRAM_SLOT_UNKNOWN",
    });
    await expect(
      cmd({ device: "vm-x", prices: [{ slot: 1, price: 100 }] }, { id: "c" }),
    ).rejects.toMatchObject({
      code: "QH_PLANOGRAM_MACHINE_UNKNOWN",
    });
    expect(f.sink.events("vend.prices_updated")).toHaveLength(0);
  });

  it("vend.prices: a price the reader cannot charge (0, ≥ 65535 × scale, not a multiple of it) is refused, each named", async () => {
    const cmd = createStockCommands(f.planogram, audit, () => 5)["vend.prices"]!;
    const err = await cmd(
      {
        prices: [
          { slot: 1, price: 9_999_999 },
          { slot: 12, price: 0 },
          { slot: 1, price: 65535 * 5 },
          { slot: 12, price: 152 },
        ],
      },
      { id: "c-range" },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QH_COMMAND_INVALID" });
    const msg = (err as Error).message;
    expect(msg).toMatch(/prices\[0\]\.price: 9999999 is outside[\s\S]*1\.\.327670/);
    expect(msg).toMatch(/prices\[1\]\.price: 0 is outside/);
    expect(msg).toMatch(/prices\[2\]\.price: 327675 is outside/);
    expect(msg).toMatch(/prices\[3\]\.price: 152 is not a multiple of the reader's scale factor 5/);
    // the largest grantable price is taken
    await expect(cmd({ prices: [{ slot: 1, price: 65534 * 5 }] }, { id: "c-max" })).resolves.toBeTruthy();
    expect(f.planogram.slot("vm-1", 1)?.price).toBe(327670);
    expect(f.sink.events("vend.prices_updated")).toHaveLength(1);
  });
});
