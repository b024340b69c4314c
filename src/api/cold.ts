/**
 * The cold chain's API under /api/v1/cold/… (behind the bearer token): the zones' state, the
 * temperature record's export (streamed, CSV or JSON), and a parcel's breaches. Every parameter has
 * a JSON Schema and nothing is coerced (app.ts); a bad range or format is 400 QH_COLD_INPUT_INVALID,
 * an unknown zone 404 QH_COLD_ZONE_UNKNOWN.
 *
 *   GET /cold/zones                                   { zones: [zone view] }
 *   GET /cold/zones/{zone}                            zone view (temperature, quality, alarms…)
 *   GET /cold/zones/{zone}/readings?from&to&format    the record, csv (default) or json, streamed
 *   GET /cold/parcels/{parcelId}/breaches             { parcelId, breaches: [...] }
 */
import type { FastifyPluginAsync } from "fastify";
import { exportStream, parseExportRange } from "../domain/cold/export.js";
import type { ColdService } from "../domain/cold/service.js";

const zoneParams = {
  type: "object",
  required: ["zone"],
  properties: { zone: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

const readingsQuery = {
  type: "object",
  additionalProperties: false,
  required: ["from", "to"],
  properties: {
    from: { type: "string", minLength: 4, maxLength: 40 },
    to: { type: "string", minLength: 4, maxLength: 40 },
    format: { type: "string", enum: ["csv", "json"] },
  },
} as const;

type Z = { Params: { zone: string } };

export function coldApiPlugin(cold: ColdService): FastifyPluginAsync {
  return async (app) => {
    app.get("/cold/zones", async () => ({ zones: cold.zoneIds().map((z) => cold.zoneView(z)) }));

    app.get<Z>("/cold/zones/:zone", { schema: { params: zoneParams } }, async (req) =>
      cold.zoneView(req.params.zone),
    );

    app.get<Z & { Querystring: { from: string; to: string; format?: "csv" | "json" } }>(
      "/cold/zones/:zone/readings",
      { schema: { params: zoneParams, querystring: readingsQuery } },
      async (req, reply) => {
        cold.require(req.params.zone); // 404 before anything is streamed
        const range = parseExportRange(req.query.from, req.query.to, req.query.format ?? "csv");
        const stream = exportStream(cold.record, req.params.zone, range);
        return reply
          .type(range.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8")
          .send(stream);
      },
    );

    app.get<{ Params: { parcelId: string } }>(
      "/cold/parcels/:parcelId/breaches",
      {
        schema: {
          params: {
            type: "object",
            required: ["parcelId"],
            properties: { parcelId: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
          },
        },
      },
      async (req) => ({ parcelId: req.params.parcelId, breaches: cold.breachesOf(req.params.parcelId) }),
    );
  };
}
