/**
 * Vending's HTTP routes under /api/v1 (bearer token): the machines' reader state and open
 * sessions; for simulated machines, the customer's hands (`quarterhour sim vend`, the demo, tests).
 *
 *   GET  /vending/machines                      [{ device, readerState, maxPrice?, minPrice?, priceRange, session }]
 *   POST /sim/vending/:device  { action, item?, price?, cause?, downMs? }
 *        action: select | cash | cancel | power-cycle | reset | fail
 */
import type { FastifyPluginAsync } from "fastify";
import type { JsonObject } from "../core/envelope.js";
import { QhError } from "../core/errors.js";
import type { FailureCause, VendingMachineSim } from "../sim/vending-machine.js";

const ACTIONS = ["select", "cash", "cancel", "power-cycle", "reset", "fail"] as const;

export function vendingPlugin(
  views: () => JsonObject[],
  sims: ReadonlyMap<string, VendingMachineSim>,
): FastifyPluginAsync {
  return async (app) => {
    app.get("/vending/machines", async () => ({ machines: views() }));
    if (sims.size === 0) return;
    app.post<{
      Params: { device: string };
      Body: {
        action: (typeof ACTIONS)[number];
        item?: number;
        price?: number;
        cause?: FailureCause | null;
        downMs?: number;
      };
    }>(
      "/sim/vending/:device",
      {
        schema: {
          params: { type: "object", required: ["device"], properties: { device: { type: "string" } } },
          body: {
            type: "object",
            additionalProperties: false,
            required: ["action"],
            properties: {
              action: { enum: ACTIONS },
              item: { type: "integer", minimum: 0, maximum: 65535 },
              price: { type: "integer", minimum: 0, maximum: 65535 },
              cause: { enum: ["soldOut", "motorJam", "noCup", null] },
              downMs: { type: "integer", minimum: 0, maximum: 60000 },
            },
          },
        },
      },
      async (req) => {
        const sim = sims.get(req.params.device);
        if (!sim)
          throw new QhError("QH_VEND_MACHINE_UNKNOWN", `no simulated vending machine ${req.params.device}`);
        const b = req.body;
        const needItem = () => {
          if (b.item === undefined) throw new QhError("QH_API_INVALID", `action ${b.action} needs item`);
          return b.item;
        };
        switch (b.action) {
          case "select":
            return { sent: sim.select(needItem()), readerState: sim.readerState };
          case "cash":
            return { reported: sim.cash(needItem(), b.price), readerState: sim.readerState };
          case "cancel":
            return { sent: sim.cancel() };
          case "power-cycle":
            sim.powerCycle(b.downMs ?? 500);
            return { powerCycled: true };
          case "reset":
            sim.vmcReset();
            return { reset: true };
          case "fail":
            sim.setFailure(needItem(), b.cause ?? undefined);
            return { item: b.item, cause: b.cause ?? null };
        }
      },
    );
  };
}
