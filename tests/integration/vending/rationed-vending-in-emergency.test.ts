/**
 * Rationed vending (issue 11) on a simulated machine through the whole gateway: in emergency mode
 * only essential slots sell cashless (`not_essential`), a pay-first session must name its
 * household (QH_VEND_HOUSEHOLD_REQUIRED), a household gets its daily quantity of an essential and
 * no more (`ration_exhausted`), counted from local records: across a gateway restart, with the
 * uplink down, and afresh the next local day; prices may not rise above normal (vend.prices:
 * QH_VEND_PRICE_CAP; a vend asking more is `price_above_normal`); cash sales are still recorded;
 * leaving emergency returns every slot to normal service at once.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { listSales } from "../../../src/domain/vending/sales.js";
import { contractValidators } from "../../helpers/contract.js";
import { storedEnvelopes } from "../../helpers/outbox-rows.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

const validators = contractValidators();

describe("rationed vending in emergency mode", () => {
  let rig: VendingRig;
  let clock: ManualClock;

  beforeEach(async () => {
    // 2026-01-01 10:00 in Shanghai (UTC+8)
    clock = new ManualClock(Date.parse("2026-01-01T02:00:00.000Z"));
    rig = await startVendingGateway(
      // the machine's own price for slot 5 is above its planogram price (450 > 300)
      { prices: { "3": 500, "4": 250, "5": 450 }, dispenseMs: 20 },
      {
        planogram: {
          machines: [
            {
              device: "vm-a",
              slots: [
                { slot: 3, product: "milk-1l", price: 500, capacity: 20, count: 20 },
                { slot: 4, product: "biscuits", price: 250, capacity: 20, count: 20 },
                { slot: 5, product: "rice-1kg", price: 300, capacity: 20, count: 20 },
              ],
            },
          ],
        },
        trace: { timeZone: "Asia/Shanghai" },
        clock: { synchronized: "yes" },
      },
      { clock },
    );
  });
  afterEach(async () => {
    await rig.stop();
  });

  const denials = () => rig.platform.events.filter((e) => e.type === "vend.denied");
  const outcomes = () =>
    rig.platform.events.filter((e) => e.type === "vend.completed" || e.type === "vend.denied");
  /**
   * One pay-first purchase: vend.session, the customer selects `item`; a sale ends the session
   * (the machine completes it), a denial leaves it idle and the customer presses return.
   * Returns the outcome event (vend.completed or vend.denied).
   */
  const buy = async (paymentRef: string, household: string | undefined, item: number) => {
    const n = outcomes().length;
    const args = { credit: 3000, paymentRef, ...(household ? { household } : {}) };
    expect(validators.get("cmd.vend.session.args")!(args)).toBe(true);
    const r = await rig.command("vend.session", args);
    expect(r.status, JSON.stringify(r)).toBe("ok");
    await rig.waitMachine("IDLE");
    await rig.hands({ action: "select", item });
    await rig.platform.waitFor(() => outcomes().length > n, 10_000, `outcome of slot ${item}`);
    const out = outcomes()[n]!;
    // a denied vend leaves the session idle (or the reader ends it): the customer presses return
    if (out.type === "vend.denied") await rig.hands({ action: "cancel" });
    await rig.waitMachine("ENABLED");
    return out;
  };

  it("sells essentials only, per household per local day, across a restart and the next day; leaving emergency lifts it", async () => {
    const essentials = {
      slots: [
        { slot: 3, limitPerHousehold: 2 },
        { slot: 5, limitPerHousehold: 1 },
      ],
    };
    expect(validators.get("cmd.vend.essentials.args")!(essentials)).toBe(true);
    expect(validators.get("cmd.site.mode.args")!({ mode: "emergency", reason: "typhoon" })).toBe(true);
    const ess = await rig.command("vend.essentials", essentials);
    expect(ess).toMatchObject({
      status: "ok",
      result: {
        device: "vm-a",
        mode: "normal",
        essentials: [
          { slot: 3, product: "milk-1l", limitPerHousehold: 2, normalPrice: 500 },
          { slot: 5, product: "rice-1kg", limitPerHousehold: 1, normalPrice: 300 },
        ],
      },
    });
    expect(
      await rig.command("vend.essentials", { slots: [{ slot: 9, limitPerHousehold: 1 }] }),
    ).toMatchObject({
      status: "rejected",
      error: { code: "QH_PLANOGRAM_SLOT_UNKNOWN" },
    });
    expect(
      await rig.command("vend.essentials", { slots: [{ slot: 3, limitPerHousehold: 0 }] }),
    ).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_INVALID" },
    });
    // in normal mode a session needs no household and a non-essential sells
    expect((await buy("p-0", undefined, 4)).type).toBe("vend.completed");

    expect(
      await rig.command("site.mode", { mode: "emergency", reason: "typhoon: essentials only" }),
    ).toMatchObject({ status: "ok", result: { mode: "emergency" } });

    // a pay-first session must name its household now
    expect(await rig.command("vend.session", { credit: 3000, paymentRef: "p-none" })).toMatchObject({
      status: "rejected",
      error: { code: "QH_VEND_HOUSEHOLD_REQUIRED" },
    });
    expect(
      await rig.command("vend.session", { credit: 3000, paymentRef: "p-bad", household: "3 楼" }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });

    expect((await buy("p-1", "b2-1101", 3)).type).toBe("vend.completed");
    expect((await buy("p-2", "b2-1101", 3)).type).toBe("vend.completed");
    const third = await buy("p-3", "b2-1101", 3); // the third milk of the day
    const biscuits = await buy("p-4", "b2-1101", 4); // not an essential
    const rice = await buy("p-5", "b2-1101", 5); // the machine asks 450, normal is 300
    expect([third, biscuits, rice].map((d) => d.data.reason)).toEqual([
      "ration_exhausted",
      "not_essential",
      "price_above_normal",
    ]);
    expect(third.data).toMatchObject({
      slot: 3,
      flow: "pay_first",
      ration: { household: "b2-1101", limit: 2, used: 2, day: "2026-01-01" },
    });
    expect(rice.data).toMatchObject({ slot: 5, price: 450, normalPrice: 300 });
    for (const d of denials()) expect(validators.get("event.vend.denied")!(d.data)).toBe(true);

    // a select-first vend (no session, no household) is denied in emergency
    const n = outcomes().length;
    await rig.hands({ action: "select", item: 3 });
    await rig.platform.waitFor(() => outcomes().length > n, 10_000, "select-first outcome");
    expect(outcomes()[n]!.data).toMatchObject({ flow: "select_first", reason: "household_required" });
    await rig.waitMachine("ENABLED");

    // another household has its own ration
    expect((await buy("p-6", "b2-1102", 3)).type).toBe("vend.completed");

    // a session that never began leaves its reference free, household and all, for the retry
    expect(
      (await rig.command("vend.session", { credit: 3000, paymentRef: "p-open", household: "b2-1104" }))
        .status,
    ).toBe("ok");
    await rig.waitMachine("IDLE");
    const busy = await rig.command("vend.session", {
      credit: 3000,
      paymentRef: "p-retry",
      household: "b9-0001",
    });
    expect(busy.error?.code).toBe("QH_VEND_NOT_READY");
    await rig.hands({ action: "cancel" });
    await rig.waitMachine("ENABLED");
    expect((await buy("p-retry", "b2-1103", 3)).type).toBe("vend.completed");
    expect(
      rig.gw.db.prepare("SELECT household FROM vend_households WHERE payment_ref = 'p-retry'").get(),
    ).toEqual({ household: "b2-1103" });

    // prices: not above normal while the emergency lasts; lower is fine, back to normal too
    expect(await rig.command("vend.prices", { prices: [{ slot: 3, price: 600 }] })).toMatchObject({
      status: "rejected",
      error: { code: "QH_VEND_PRICE_CAP" },
    });
    expect((await rig.command("vend.prices", { prices: [{ slot: 3, price: 450 }] })).status).toBe("ok");
    expect((await rig.command("vend.prices", { prices: [{ slot: 3, price: 500 }] })).status).toBe("ok");

    // cash still works and is recorded (the machine reports it after the fact)
    await rig.hands({ action: "cash", item: 4 });
    const [cash] = await rig.event("vend.cash_sale");
    expect(cash!.data).toMatchObject({ slot: 4, price: 250 });

    // a restart: the mode, the essentials and the day's count are kept
    await rig.restart();
    expect((await rig.api("GET", "/site/mode")).body).toMatchObject({ mode: { mode: "emergency" } });
    expect((await buy("p-7", "b2-1101", 3)).data).toMatchObject({
      reason: "ration_exhausted",
      ration: { used: 2 },
    });

    // the next local day (Shanghai): a fresh ration
    clock.advance(16 * 3_600_000); // 2026-01-02 02:00 local
    expect((await buy("p-8", "b2-1101", 3)).type).toBe("vend.completed");

    // leaving emergency: every slot at once, no household needed
    expect(await rig.command("site.mode", { mode: "normal", reason: "over" })).toMatchObject({
      status: "ok",
    });
    expect((await buy("p-9", undefined, 4)).type).toBe("vend.completed");
    expect((await buy("p-10", undefined, 3)).type).toBe("vend.completed");
    const sales = listSales(rig.gw.db, "vm-a");
    expect(sales.filter((s) => s.payment === "cash")).toHaveLength(1);
    expect(sales.filter((s) => s.payment === "cashless").map((s) => s.slot)).toEqual([
      4, 3, 3, 3, 3, 3, 4, 3,
    ]);
  });

  it("counts the ration from local records with the uplink down", async () => {
    await rig.command("vend.essentials", { slots: [{ slot: 3, limitPerHousehold: 1 }] });
    await rig.command("site.mode", { mode: "emergency", reason: "flood" });
    expect((await buy("p-on", "b1-0201", 3)).type).toBe("vend.completed");
    // the next session is paid, then the platform is gone: the vend is decided locally
    expect(
      (await rig.command("vend.session", { credit: 3000, paymentRef: "p-off", household: "b1-0201" })).status,
    ).toBe("ok");
    await rig.waitMachine("IDLE");
    await rig.platform.close();
    await rig.up.stop();
    rig.stop = () => rig.gw.cleanup(); // the broker and the platform are closed already
    await rig.hands({ action: "select", item: 3 });
    const until = Date.now() + 10_000;
    while (storedEnvelopes(rig.gw.db, "vend.denied").length === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    const [denied] = storedEnvelopes(rig.gw.db, "vend.denied");
    expect(denied).toMatchObject({
      data: { slot: 3, reason: "ration_exhausted", ration: { household: "b1-0201", limit: 1, used: 1 } },
    });
    const health = await rig.gw.api.inject({ method: "GET", url: "/health" });
    expect((health.json() as { uplink: { connected: boolean } }).uplink.connected).toBe(false);
  });
});
