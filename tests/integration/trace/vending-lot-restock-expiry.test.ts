/**
 * Lots on a simulated vending machine through the whole gateway: a restock by scan records the
 * lot with the count (stock.restocked carries it, stock.lot_loaded), a cashless vend from the slot
 * is the lot's (trace.lot over the uplink names it: when, which machine), and a lot past its
 * expiry blocks its slot (stock.expired; the vend is denied `lot_expired`) and stays blocked when
 * the wall clock then steps back; an expired lot cannot be loaded; emptying the slot unblocks it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { contractValidators } from "../../helpers/contract.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

const GTIN = "04012345678901";
const label = (lot: string, expiry: string) =>
  encodeGs1(
    [
      { ai: "01", value: GTIN },
      { ai: "10", value: lot },
      { ai: "17", value: expiry },
    ],
    { symbology: "]C1" },
  );

describe("vending: restock by scan, trace.lot, expiry blocks the slot", () => {
  let rig: VendingRig;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse("2026-01-01T08:00:00.000Z"));
    rig = await startVendingGateway(
      { prices: { "3": 500, "4": 250 }, dispenseMs: 20 },
      {
        planogram: {
          machines: [
            {
              device: "vm-a",
              slots: [
                { slot: 3, product: "milk-1l", price: 500, capacity: 6, count: 0 },
                { slot: 4, product: "biscuits", price: 250, capacity: 6 },
              ],
            },
          ],
        },
        trace: { timeZone: "UTC", expiryCheckSeconds: 1 },
        clock: { synchronized: "yes" },
      },
      { clock },
    );
  });
  afterEach(async () => {
    await rig.stop();
  });

  it("records the scanned lot, attributes the vend to it, blocks the slot once it expires", async () => {
    const r = await rig.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: label("MILK-0105", "260103") }],
      by: "ops",
    });
    expect(r.status).toBe(200);
    const [restocked] = await rig.event("stock.restocked");
    expect(restocked?.data).toMatchObject({
      slots: [
        {
          slot: 3,
          before: 0,
          after: 4,
          lot: { gtin: GTIN, lot: "MILK-0105", expiry: "2026-01-03", quantity: 4 },
        },
      ],
    });
    const [loaded] = await rig.event("stock.lot_loaded");
    expect(loaded).toMatchObject({ device: "vm-a", data: { slot: 3, lot: "MILK-0105", quantity: 4 } });

    // a cashless vend from the slot
    expect(
      (await rig.command("vend.session", { device: "vm-a", credit: 500, paymentRef: "pay-lot" })).status,
    ).toBe("ok");
    await rig.waitMachine("IDLE");
    await rig.hands({ action: "select", item: 3 });
    const [sold] = await rig.event("vend.completed");
    await rig.waitMachine("ENABLED");

    const traced = await rig.command("trace.lot", { gtin: GTIN, lot: "MILK-0105" });
    expect(traced.status).toBe("ok");
    expect(traced.result).toMatchObject({
      gtin: GTIN,
      lot: "MILK-0105",
      expiry: "2026-01-03",
      recalled: null,
      // 4 loaded, 1 sold: the slot holds 3 of it (never more than it holds)
      holding: [{ device: "vm-a", slot: 3, quantity: 3 }],
      vends: [
        {
          saleId: (sold!.data as { saleId: string }).saleId,
          device: "vm-a",
          slot: 3,
          price: 500,
          certain: true,
        },
      ],
    });
    expect((traced.result!.vends as { at: string }[])[0]?.at).toMatch(/^2026-01-01T/);

    // three days on the lot is past its date: found within the check period, the slot is blocked
    clock.advance(3 * 86_400_000);
    const [expired] = await rig.event("stock.expired");
    // the lot events match their data schemas (docs/contract/v1/event.{type}.schema.json)
    const validators = contractValidators();
    for (const e of [restocked, loaded, expired]) {
      const validate = validators.get(`event.${e!.type}`)!;
      expect(validate(e!.data), `${e!.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(expired).toMatchObject({
      device: "vm-a",
      data: {
        slot: 3,
        gtin: GTIN,
        lot: "MILK-0105",
        expiry: "2026-01-03",
        today: "2026-01-04",
        blocked: true,
      },
    });
    await rig.hands({ action: "select", item: 3 });
    const [denied] = await rig.event("vend.denied");
    expect(denied?.data).toMatchObject({
      slot: 3,
      reason: "lot_expired",
      lot: { gtin: GTIN, lot: "MILK-0105", expiry: "2026-01-03" },
    });
    expect(rig.platform.messages.filter((m) => m.topic.endsWith("/req/vend.authorize"))).toHaveLength(0);
    await rig.waitMachine("ENABLED");

    // the wall clock steps back three days: the block holds (only emptying the slot lifts it)
    clock.step(-3 * 86_400_000);
    await rig.hands({ action: "select", item: 3 });
    const denials = await rig.event("vend.denied", 2);
    expect(denials[1]?.data).toMatchObject({ slot: 3, reason: "lot_expired" });
    await rig.waitMachine("ENABLED");

    // an expired lot is not loaded; emptying the slot and loading a fresh lot unblocks it
    const stale = await rig.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 4, count: 6, scan: label("OLD-1", "251231"), replace: true }],
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: "QH_TRACE_LOT_EXPIRED" } });
    const fresh = await rig.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 5, scan: label("MILK-0201", "260201"), replace: true }],
    });
    expect(fresh.status).toBe(200);
    const after = await rig.command("trace.lot", { gtin: GTIN, lot: "MILK-0105" });
    expect(after.result).toMatchObject({ holding: [] });
    expect((after.result!.loads as { endedAt: string | null }[])[0]?.endedAt).not.toBeNull();
  });

  it("refuses a bad scan with its GS1 code and restocks nothing", async () => {
    const bad = await rig.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: "]C1010401234567890210L1" }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "QH_GS1_CHECK_DIGIT" } });
    expect((bad.body.error as { message: string }).message).toMatch(/vm-a slot 3: \(01\)/);
    const stock = (await rig.api("GET", "/vending/vm-a/stock")).body.slots as {
      slot: number;
      count: number;
    }[];
    expect(stock.find((s) => s.slot === 3)?.count).toBe(0);
    const cmd = await rig.command("trace.lot", { gtin: "4012345678902", lot: "L1" });
    expect(cmd).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    expect(cmd.error?.message).toMatch(/args\.gtin: .*check digit/);
  });
});
