/**
 * Stock and the DEX audit through the whole gateway with a simulated vending machine: each
 * completed vend (cashless and cash) takes one off its planogram slot (stock.low, slot.sold_out),
 * the sale carries the planogram's product, restock through the API, `vend.prices` over the
 * uplink, and `vend.audit` fetching the machine's DEX file through the bridge: a baseline, then a
 * reconciliation without mismatch, then one with the cash sale the machine made while its bridge
 * was down (counted by the machine, never reported to the gateway).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contractValidators } from "../../helpers/contract.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

describe("vending stock and DEX audit through the whole gateway", () => {
  let rig: VendingRig;

  beforeEach(async () => {
    rig = await startVendingGateway(
      { prices: { "3": 500, "4": 250, "5": 400 }, dispenseMs: 20 },
      {
        planogram: {
          lowStockAt: 2,
          machines: [
            {
              device: "vm-a",
              slots: [
                { slot: 3, product: "cola-330", name: "Cola can", price: 500, capacity: 6, count: 3 },
                { slot: 4, product: "biscuits", price: 250, capacity: 6 },
                { slot: 5, product: "noodles", price: 400, capacity: 4 },
              ],
            },
          ],
        },
      },
    );
  });
  afterEach(async () => {
    await rig.stop();
  });
  const api = (m: "GET" | "POST", url: string, body?: unknown) => rig.api(m, url, body);
  const waitMachine = (s: string) => rig.waitMachine(s);
  const command = (name: string, args: Record<string, unknown>) => rig.command(name, args);
  const event = (type: string, count = 1) => rig.event(type, count);
  const sim = (body: Record<string, unknown>) => api("POST", "/sim/vending/vm-a", body);
  const count = async (slot: number) =>
    ((await api("GET", "/vending/vm-a/stock")).body.slots as { slot: number; count: number }[]).find(
      (s) => s.slot === slot,
    )?.count;

  it("a cashless vend and cash sales take stock off their slots: stock.low, then slot.sold_out", async () => {
    const s = await command("vend.session", { device: "vm-a", credit: 500, paymentRef: "pay-stock" });
    expect(s.status).toBe("ok");
    await waitMachine("IDLE");
    await sim({ action: "select", item: 3 });
    const [done] = await event("vend.completed");
    expect(done?.data).toMatchObject({ slot: 3, product: "cola-330" });
    const [low] = await event("stock.low");
    expect(low).toMatchObject({ device: "vm-a", data: { slot: 3, product: "cola-330", count: 2, lowAt: 2 } });
    await waitMachine("ENABLED");
    await sim({ action: "cash", item: 3 });
    await sim({ action: "cash", item: 3 });
    const [out] = await event("slot.sold_out");
    expect(out?.data).toMatchObject({ slot: 3, product: "cola-330", count: 0 });
    expect(await count(3)).toBe(0);

    const r = await api("POST", "/vending/vm-a/restock", { slots: [{ slot: 3, count: 6 }], by: "ops" });
    expect(r.status).toBe(200);
    const [re] = await event("stock.restocked");
    expect(re?.data).toMatchObject({ by: "ops", slots: [{ slot: 3, before: 0, after: 6 }] });
    expect(await count(3)).toBe(6);
  });

  it("vend.prices over the uplink stores the prices and reports the reader's price range", async () => {
    const r = await command("vend.prices", { device: "vm-a", prices: [{ slot: 4, price: 300 }] });
    expect(r).toMatchObject({
      status: "ok",
      result: { priceRange: { min: 300, max: 500 }, readerUpdated: true },
    });
    const [ev] = await event("vend.prices_updated");
    expect(ev?.data).toMatchObject({ slots: [{ slot: 4, before: 250, after: 300 }] });
    const schema = contractValidators().get("event.vend.prices_updated")!;
    expect(schema(ev?.data), JSON.stringify(schema.errors)).toBe(true);
    const bad = await command("vend.prices", { device: "vm-a", prices: [{ slot: 4, price: "3" }] });
    expect(bad).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
  });

  it("the reader's price range from vend.prices survives a restart and the machine's reset", async () => {
    const r = await command("vend.prices", { device: "vm-a", prices: [{ slot: 4, price: 300 }] });
    expect(r.result?.priceRange).toEqual({ min: 300, max: 500 });
    await rig.restart();
    const view = (await api("GET", "/vending/machines")).body.machines as Record<string, unknown>[];
    expect(view[0]?.priceRange).toEqual({ min: 300, max: 500 });
    await sim({ action: "reset" }); // the VMC resets and runs SETUP again
    await waitMachine("ENABLED");
    // the machine still asks 250 for item 4 (its own price): below the range, denied at once
    await sim({ action: "select", item: 4 });
    const [denied] = await event("vend.denied");
    expect(denied?.data).toMatchObject({ slot: 4, price: 250, reason: "price_out_of_range" });
    expect(rig.platform.messages.filter((m) => m.topic.endsWith("/req/vend.authorize"))).toHaveLength(0);
  });

  it("the simulated machine keeps its audit counters across a gateway restart (as a VMC's NVRAM does)", async () => {
    expect(await command("vend.audit", { device: "vm-a" })).toMatchObject({ result: { mode: "baseline" } });
    await sim({ action: "cash", item: 4 });
    await event("vend.cash_sale");
    await rig.restart();
    const after = await command("vend.audit", { device: "vm-a" });
    expect(after).toMatchObject({ status: "ok", result: { mode: "delta", mismatches: [] } });
    expect((after.result!.totals as { dex: { cash: unknown } }).dex.cash).toEqual({ vends: 1, value: 250 });
  });

  it("vend.audit is refused while a cashless session is open (the DEX transfer would hold the line)", async () => {
    const s = await command("vend.session", { device: "vm-a", credit: 500, paymentRef: "pay-audit-busy" });
    expect(s.status).toBe("ok");
    const busy = await command("vend.audit", { device: "vm-a" });
    expect(busy).toMatchObject({ error: { code: "QH_DEX_AUDIT_BUSY" } });
    expect(busy.status).not.toBe("ok");
    await command("vend.session.cancel", { device: "vm-a", paymentRef: "pay-audit-busy" });
    await event("vend.session_ended");
    await waitMachine("ENABLED");
    expect(await command("vend.audit", { device: "vm-a" })).toMatchObject({ status: "ok" });
  });

  it("vend.audit reads the DEX file through the bridge and reconciles it with the gateway's sales", async () => {
    const first = await command("vend.audit", { device: "vm-a" });
    expect(first).toMatchObject({
      status: "ok",
      result: { verdict: "verified", reconciled: true, mode: "baseline" },
    });

    await sim({ action: "cash", item: 4 });
    await event("vend.cash_sale");
    const second = await command("vend.audit", { device: "vm-a" });
    expect(second).toMatchObject({ status: "ok", result: { mode: "delta", mismatches: [] } });
    expect((second.result!.totals as { dex: { cash: unknown } }).dex.cash).toEqual({ vends: 1, value: 250 });

    // the bridge is down: the machine takes cash for item 5 and cannot tell the gateway
    await sim({ action: "power-cycle", downMs: 60_000 });
    expect((await sim({ action: "cash", item: 5 })).body).toMatchObject({ reported: false });
    await sim({ action: "power-cycle", downMs: 0 });
    await waitMachine("ENABLED");
    const third = await command("vend.audit", { device: "vm-a" });
    expect(third.status).toBe("ok");
    expect(third.result?.mismatches).toEqual(
      expect.arrayContaining([
        { scope: "product", product: "5", slot: 5, field: "cash_vends", dex: 1, gateway: 0, difference: 1 },
        { scope: "machine", field: "cash_value", dex: 400, gateway: 0, difference: 400 },
      ]),
    );
    const audits = await event("audit.dex", 3);
    expect(audits[2]?.data.mismatches).toEqual(third.result?.mismatches);
    const stored = (await api("GET", "/vending/vm-a/audits")).body.audits as unknown[];
    expect(stored).toHaveLength(3);
  });
});
