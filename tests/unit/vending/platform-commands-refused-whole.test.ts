/**
 * Issue 14's rule for platform commands, applied to vending (audit after the vertical landed): a
 * command that names a machine or slot the site does not have, or bad args, is `rejected` (the
 * contract: nothing was sent or written), naming every problem at once; `failed` is for a
 * well-formed command that went wrong. Before, vend.prices with an unknown slot or a slot twice,
 * and vend.session / vend.prices / vend.audit for an unknown machine, answered `failed`, and an
 * unknown machine hid the other problems.
 */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { VendingAudit } from "../../../src/domain/vending/audit.js";
import { createVendingCommands } from "../../../src/domain/vending/commands.js";
import type { CashlessReader } from "../../../src/domain/vending/session.js";
import { createStockCommands } from "../../../src/domain/vending/stock-commands.js";
import { routerOver } from "../../helpers/router.js";
import { PLANOGRAM, useStock } from "./stock-fixture.js";

describe("vending commands: refused whole, answered rejected", () => {
  const f = useStock();
  const router = () => {
    const audit = new VendingAudit({
      db: f.t.db,
      recorder: f.recorder,
      planogram: f.planogram,
      log: silentLogger(),
      clockSynced: () => true,
    });
    // no reader method is reached by these commands: they are refused before (an unknown machine)
    const readers = new Map([["vm-1", {} as CashlessReader]]);
    return routerOver(f.t.db, f.clock, {
      ...createStockCommands(f.planogram, audit),
      ...createVendingCommands(readers),
    });
  };

  it("vend.prices: an unknown slot, a slot given twice, an unknown machine: rejected, nothing written", async () => {
    const r = router();
    expect(await r.send("vend.prices", { args: { prices: [{ slot: 99, price: 100 }] } })).toMatchObject({
      status: "rejected",
      error: { code: "QH_PLANOGRAM_SLOT_UNKNOWN" },
    });
    expect(
      await r.send("vend.prices", {
        args: {
          prices: [
            { slot: 1, price: 1 },
            { slot: 1, price: 900 },
          ],
        },
      }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_PLANOGRAM_INPUT_INVALID" } });
    expect(
      await r.send("vend.prices", { args: { device: "vm-x", prices: [{ slot: 1, price: 100 }] } }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_PLANOGRAM_MACHINE_UNKNOWN" } });
    const both = await r.send("vend.prices", { args: { device: "vm-x", prices: [{ slot: 1, price: "1" }] } });
    expect(both).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    expect(both.error?.message).toMatch(/args\.device: vm-x has no planogram[\s\S]*prices\[0\]\.price/);
    expect(f.sink.events("vend.prices_updated")).toHaveLength(0);
    expect(f.planogram.slot("vm-1", 1)?.price).toBe(PLANOGRAM.machines[0]!.slots[0]!.price);
  });

  it("vend.audit for an unknown machine: rejected", async () => {
    expect(await router().send("vend.audit", { args: { device: "vm-x" } })).toMatchObject({
      status: "rejected",
      error: { code: "QH_PLANOGRAM_MACHINE_UNKNOWN" },
    });
  });

  it("vend.session for an unknown machine: rejected; with bad credit too, both are named", async () => {
    const r = router();
    expect(
      await r.send("vend.session", { args: { device: "vm-x", credit: 500, paymentRef: "p-1" } }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_VEND_MACHINE_UNKNOWN" } });
    const both = await r.send("vend.session", { args: { device: "vm-x", credit: "500", paymentRef: "p-2" } });
    expect(both).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    expect(both.error?.message).toMatch(/args\.device: no vending machine vm-x[\s\S]*args\.credit/);
    expect(
      await r.send("vend.authorize.result", { args: { device: "vm-x", requestId: "r-1", approved: true } }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
  });
});
