/**
 * The quantity of a lot a slot holds is capped by what the slot holds now (issue 11 review): a
 * restock of slot 1 from 6 to 8 with a label whose count (37) says 12, then one vend: trace.recall
 * blocks the slot with quantity 7 (not 12) and trace.lot's `holding` says 7, within the slot's
 * capacity of 10. The whole gateway with a simulated vending machine.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { contractValidators } from "../../helpers/contract.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

const GTIN = "04012345678901";
const LOT = "WATER-12";

describe("trace.recall: the quantity held never exceeds what the slot holds", () => {
  let rig: VendingRig;

  beforeEach(async () => {
    rig = await startVendingGateway(
      { prices: { "1": 200 }, dispenseMs: 20 },
      {
        planogram: {
          machines: [
            { device: "vm-a", slots: [{ slot: 1, product: "water", price: 200, capacity: 10, count: 6 }] },
          ],
        },
        trace: { timeZone: "UTC", expiryCheckSeconds: 60 },
        clock: { synchronized: "yes" },
      },
      { clock: new ManualClock(Date.parse("2026-01-01T08:00:00.000Z")) },
    );
  });
  afterEach(async () => {
    await rig.stop();
  });

  it("restock 6 → 8 with a label saying 12, one sale: 7 blocked and held, not 12", async () => {
    const scan = encodeGs1(
      [
        { ai: "01", value: GTIN },
        { ai: "10", value: LOT },
        { ai: "17", value: "261231" },
        { ai: "37", value: "12" },
      ],
      { symbology: "]C1" },
    );
    const r = await rig.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 1, count: 8, scan }],
      by: "ops",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(
      (await rig.command("vend.session", { device: "vm-a", credit: 200, paymentRef: "pay-1" })).status,
    ).toBe("ok");
    await rig.waitMachine("IDLE");
    await rig.hands({ action: "select", item: 1 });
    await rig.event("vend.completed");
    await rig.waitMachine("ENABLED");

    const traced = await rig.command("trace.lot", { gtin: GTIN, lot: LOT });
    expect(traced.result).toMatchObject({ holding: [{ device: "vm-a", slot: 1, quantity: 7 }] });
    const recalled = await rig.command("trace.recall", { gtin: GTIN, lot: LOT, reason: "test" });
    expect(recalled.status, JSON.stringify(recalled)).toBe("ok");
    expect(recalled.result).toMatchObject({ blocked: { slots: [{ device: "vm-a", slot: 1, quantity: 7 }] } });
    expect((recalled.result as { trace: { holding: unknown } }).trace.holding).toEqual([
      { device: "vm-a", slot: 1, quantity: 7 },
    ]);
    const [ev] = await rig.event("stock.recalled");
    expect(ev).toMatchObject({ device: "vm-a", data: { slot: 1, quantity: 7, blocked: true } });
    // every event of the run matches its data schema (docs/contract/v1/event.{type}.schema.json)
    const validators = contractValidators();
    for (const type of ["stock.restocked", "stock.lot_loaded", "stock.recalled"]) {
      const validate = validators.get(`event.${type}`)!;
      for (const e of await rig.event(type))
        expect(validate(e.data), `${type}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
