/**
 * The vending stock and audit API, under /api/v1/vending/{device}/…:
 *
 * - GET  /vending/{device}/stock     the planogram: slots with product, price, capacity, count, state
 * - POST /vending/{device}/restock   { slots: [{ slot, count, scan?, quantity?, replace? }] } or
 *                                    { full: true }, optional `by`: sets counts (a refill or a
 *                                    recount); emits stock.restocked; `scan` records the lot loaded
 *                                    (docs/traceability.md)
 * - POST /vending/{device}/audit     fetch the machine's DEX file, reconcile, emit audit.dex
 * - GET  /vending/{device}/audits    the stored audits, newest first
 *
 * Bodies have a JSON Schema and nothing is coerced (a count sent as "5" is a 400 naming the field);
 * domain refusals carry their QH_PLANOGRAM_… / QH_DEX_… code. {device} must have a planogram
 * (404 QH_PLANOGRAM_MACHINE_UNKNOWN).
 */
import type { FastifyPluginAsync } from "fastify";
import type { VendingAudit } from "../domain/vending/audit.js";
import type { Planogram } from "../domain/vending/planogram.js";

const params = {
  type: "object",
  required: ["device"],
  properties: { device: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

const restockBody = {
  type: "object",
  additionalProperties: false,
  properties: {
    slots: {
      type: "array",
      minItems: 1,
      maxItems: 1000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["slot", "count"],
        properties: {
          slot: { type: "integer", minimum: 0, maximum: 65535 },
          count: { type: "integer", minimum: 0, maximum: 10000 },
          // restock by scan (docs/traceability.md): the pack's GS1 element string, as scanned
          scan: { type: "string", minLength: 1, maxLength: 256 },
          quantity: { type: "integer", minimum: 1, maximum: 10000 },
          replace: { type: "boolean" },
        },
      },
    },
    full: { type: "boolean", const: true },
    by: { type: "string", minLength: 1, maxLength: 64 },
  },
  oneOf: [{ required: ["slots"] }, { required: ["full"] }],
} as const;

type P = { Params: { device: string } };

export function vendingStockPlugin(planogram: Planogram, audit: VendingAudit): FastifyPluginAsync {
  return async (app) => {
    app.addHook("preHandler", async (req) => {
      const device = (req.params as { device?: string } | undefined)?.device;
      if (device !== undefined) planogram.requireMachine(device);
    });
    app.get<P>("/vending/:device/stock", { schema: { params } }, async (req) => ({
      device: req.params.device,
      slots: planogram.slots(req.params.device),
    }));
    app.post<P & { Body: { slots?: { slot: number; count: number }[]; full?: true; by?: string } }>(
      "/vending/:device/restock",
      { schema: { params, body: restockBody } },
      async (req) =>
        planogram.restock(
          req.params.device,
          { slots: req.body.slots, full: req.body.full },
          req.body.by ?? "api",
        ),
    );
    app.post<P>("/vending/:device/audit", { schema: { params } }, async (req) =>
      audit.run(req.params.device, "api"),
    );
    app.get<P>("/vending/:device/audits", { schema: { params } }, async (req) => ({
      device: req.params.device,
      audits: audit.list(req.params.device).map((a) => ({ ...a, ts: new Date(a.ts).toISOString() })),
    }));
  };
}
