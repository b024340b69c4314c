/**
 * The cold chain's simulator control API (registered only for simulated Modbus lines): what would
 * happen to a real cold locker. Used by `quarterhour sim cold-fault`, the demo and tests.
 *
 *   GET  /sim/cold/zones/{zone}          the simulated zone (temperature, set-point, faults…)
 *   POST /sim/cold/zones/{zone}/fault    { fault: door-open|compressor|power|probe, on: boolean }
 */
import type { FastifyPluginAsync } from "fastify";
import type { JsonObject } from "../core/envelope.js";
import { QhError } from "../core/errors.js";
import { ZONE_FAULTS, type ZoneFault } from "../sim/modbus-cold.js";

/** A zone's far end: the simulator of its controller's line, and where in it. */
export interface SimulatedColdZone {
  setFault(fault: ZoneFault, on: boolean): void;
  state(): JsonObject;
}

const zoneParams = {
  type: "object",
  required: ["zone"],
  properties: { zone: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

export function coldSimPlugin(zones: ReadonlyMap<string, SimulatedColdZone>): FastifyPluginAsync {
  const find = (zone: string) => {
    const z = zones.get(zone);
    if (!z) throw new QhError("QH_COLD_ZONE_UNKNOWN", `no simulated cold zone ${zone}`, { zone });
    return z;
  };
  return async (app) => {
    app.get<{ Params: { zone: string } }>(
      "/sim/cold/zones/:zone",
      { schema: { params: zoneParams } },
      async (req) => ({
        zone: req.params.zone,
        ...find(req.params.zone).state(),
      }),
    );
    app.post<{ Params: { zone: string }; Body: { fault: ZoneFault; on: boolean } }>(
      "/sim/cold/zones/:zone/fault",
      {
        schema: {
          params: zoneParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["fault", "on"],
            properties: { fault: { type: "string", enum: [...ZONE_FAULTS] }, on: { type: "boolean" } },
          },
        },
      },
      async (req) => {
        const z = find(req.params.zone);
        z.setFault(req.body.fault, req.body.on);
        return { zone: req.params.zone, ...z.state() };
      },
    );
  };
}
