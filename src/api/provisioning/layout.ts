/**
 * A locker bank's compartment layout (issue 12): `GET /api/v1/locker/{bank}/layout` and
 * `PATCH /api/v1/locker/{bank}/layout` `{ compartments: [{ id, size?, zone?, enabled? }] }`.
 *
 * The PATCH merges each compartment's fields into the bank's override in the config file
 * (`buses[i].devices[j].compartments`, src/config/compartments.ts; a value equal to the model's is
 * dropped from it, so the file holds only what differs), validated as at start (400
 * QH_CONFIG_INVALID naming `buses[i].devices[j].compartments.<id>.<key>`) and saved atomically with
 * `<file>.prev` (src/config/writer.ts). Then it is applied live by the locker
 * (src/domain/locker/layout-keeper.ts): sizes at once, disables at once or, for a compartment
 * that holds a parcel, once it is emptied (listed in the answer's `pendingDisable`); no restart.
 * Errors: 400 QH_LAYOUT_INVALID (the body, with key paths), 404 QH_BANK_UNKNOWN, 404
 * QH_LAYOUT_COMPARTMENT_UNKNOWN, 409 QH_CONFIG_NO_FILE, 503 QH_CONFIG_WRITE.
 */
import type { FastifyPluginAsync } from "fastify";
import { type Document, isMap, isSeq } from "yaml";
import {
  COMPARTMENT_ID_PATTERN,
  type CompartmentOverride,
  type CompartmentOverrides,
  coldZoneOf,
  effectiveCompartment,
} from "../../config/compartments.js";
import { COMPARTMENT_SIZES, type LockerBankModel, ZONES } from "../../config/models.js";
import type { BusDeviceConfig } from "../../config/schema.js";
import { QhError } from "../../core/errors.js";
import { errorResponses } from "../schemas.js";
import type { Provisioning } from "./context.js";

const str = { type: "string" } as const;
const bankParams = {
  type: "object",
  additionalProperties: false,
  required: ["bank"],
  properties: { bank: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

const compartmentView = {
  type: "object",
  required: ["id", "board", "lock", "size", "zone", "enabled", "model"],
  properties: {
    id: str,
    board: { type: "integer" },
    lock: { type: "integer" },
    size: str,
    zone: str,
    enabled: { type: "boolean" },
    coldZone: str,
    /** the model's own size and zone (what the site config overrides) */
    model: { type: "object", properties: { size: str, zone: str } },
    /** as the locker runs it now: free, reserved, occupied, overdue, out_of_service */
    state: str,
    reason: { type: ["string", "null"] },
    /** disabled by the layout, still holding a parcel: out of service once emptied */
    pendingDisable: { type: "boolean" },
  },
} as const;

const layoutView = {
  type: "object",
  required: ["bank", "model", "sizes", "zones", "compartments"],
  properties: {
    bank: str,
    model: str,
    sizes: { type: "array", items: str },
    zones: { type: "array", items: str },
    compartments: { type: "array", items: compartmentView },
  },
} as const;

type Change = CompartmentOverride & { id: string };

/** The bank's config entry and model, or 404 QH_BANK_UNKNOWN. */
function bankOf(p: Provisioning, bank: string): { dev: BusDeviceConfig; model: LockerBankModel } {
  const dev = p.config.buses.flatMap((b) => b.devices).find((d) => d.id === bank);
  const model = dev ? p.d.models.get(dev.model) : undefined;
  if (!dev || model?.kind !== "locker-bank") {
    const known = p.config.buses
      .flatMap((b) => b.devices)
      .filter((d) => p.d.models.get(d.model)?.kind === "locker-bank")
      .map((d) => d.id);
    throw new QhError(
      "QH_BANK_UNKNOWN",
      `no locker bank "${bank}" in the config (banks: ${known.join(", ") || "none"})`,
      { bank },
    );
  }
  return { dev, model: model as LockerBankModel };
}

function view(p: Provisioning, bank: string) {
  const { dev, model } = bankOf(p, bank);
  const zoneOf = coldZoneOf(p.config);
  const running = new Map((p.d.lockerLayout?.view(bank) ?? []).map((c) => [c.compartment, c]));
  const pending = new Set(
    (p.d.lockerLayout?.pending() ?? []).filter((r) => r.device === bank).map((r) => r.compartment),
  );
  return {
    bank,
    model: model.id,
    sizes: [...COMPARTMENT_SIZES],
    zones: [...ZONES],
    compartments: model.compartments.map((c) => {
      const e = effectiveCompartment(c, dev.compartments);
      const r = running.get(c.id);
      const cold = zoneOf.get(`${bank}/${c.id}`);
      return {
        id: c.id,
        board: c.board,
        lock: c.lock,
        size: e.size,
        zone: e.zone,
        enabled: e.enabled,
        model: { size: c.size, zone: c.zone },
        ...(cold ? { coldZone: cold.id } : {}),
        ...(r ? { state: r.state, reason: r.reason } : {}),
        ...(pending.has(c.id) ? { pendingDisable: true } : {}),
      };
    }),
  };
}

/**
 * The bank's overrides after `changes`: each given field set, a field equal to the model's (or
 * `enabled: true`) dropped; a compartment left with nothing dropped.
 */
export function mergeOverrides(
  model: LockerBankModel,
  current: CompartmentOverrides | undefined,
  changes: readonly Change[],
): CompartmentOverrides {
  const out: CompartmentOverrides = structuredClone(current ?? {});
  for (const { id, ...fields } of changes) {
    const base = model.compartments.find((c) => c.id === id)!;
    const o: CompartmentOverride = { ...out[id], ...fields };
    if (o.size === base.size) delete o.size;
    if (o.zone === base.zone) delete o.zone;
    if (o.enabled === true) delete o.enabled;
    if (Object.keys(o).length === 0) delete out[id];
    else out[id] = o;
  }
  return out;
}

/** Where device `bank` is in the document: ["buses", i, "devices", j]. */
function pathIn(doc: Document, bank: string): (string | number)[] {
  const buses = doc.get("buses");
  if (isSeq(buses)) {
    for (const [i, b] of buses.items.entries()) {
      const devs = isMap(b) ? b.get("devices") : undefined;
      if (!isSeq(devs)) continue;
      const j = devs.items.findIndex((d) => isMap(d) && d.get("id") === bank);
      if (j >= 0) return ["buses", i, "devices", j];
    }
  }
  throw new QhError("QH_BANK_UNKNOWN", `no locker bank "${bank}" in the config file`, { bank });
}

/** The layout routes. */
export function layoutPlugin(p: Provisioning): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { bank: string } }>(
      "/locker/:bank/layout",
      {
        schema: {
          tags: ["provisioning"],
          summary:
            "A locker bank's compartments: board, lock, size, zone and enabled (the model's, with the site's overrides), and their state",
          params: bankParams,
          response: { 200: layoutView, ...errorResponses(401, 403, 404) },
        },
      },
      async (req) => view(p, req.params.bank),
    );

    app.patch<{ Params: { bank: string }; Body: { compartments: Change[] } }>(
      "/locker/:bank/layout",
      {
        attachValidation: true,
        schema: {
          tags: ["provisioning"],
          summary:
            "Change compartments' size, zone or enabled: saved in the config file and applied live (a compartment holding a parcel is disabled once emptied)",
          params: bankParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["compartments"],
            properties: {
              compartments: {
                type: "array",
                minItems: 1,
                maxItems: 512,
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["id"],
                  minProperties: 2,
                  properties: {
                    id: { type: "string", pattern: COMPARTMENT_ID_PATTERN },
                    size: { type: "string", enum: [...COMPARTMENT_SIZES] },
                    zone: { type: "string", enum: [...ZONES] },
                    enabled: { type: "boolean" },
                  },
                },
              },
            },
          },
          response: {
            200: {
              type: "object",
              properties: {
                applied: { const: true },
                restartRequired: { const: true },
                why: str,
                pendingDisable: { type: "array", items: str },
                layout: layoutView,
              },
            },
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (req) => {
        const { validationError } = req as { validationError?: { validation?: unknown[] } };
        if (validationError) throw invalidBody(validationError.validation ?? []);
        const bank = req.params.bank;
        const { dev, model } = bankOf(p, bank);
        const changes = req.body.compartments;
        const ids = model.compartments.map((c) => c.id);
        const seen = new Set<string>();
        changes.forEach((c, i) => {
          if (!ids.includes(c.id))
            throw new QhError(
              "QH_LAYOUT_COMPARTMENT_UNKNOWN",
              `compartments[${i}].id: no compartment ${c.id} in ${bank} (model ${model.id}: ${ids[0]}…${ids[ids.length - 1]})`,
              { path: `compartments[${i}].id`, bank, compartment: c.id },
            );
          if (seen.has(c.id))
            throw new QhError("QH_LAYOUT_INVALID", `compartments[${i}].id: ${c.id} is given twice`, [
              { path: `compartments[${i}].id`, message: `${c.id} is given twice` },
            ]);
          seen.add(c.id);
        });
        let next: CompartmentOverrides = {};
        const edit = (doc: Document) => {
          const at = pathIn(doc, bank);
          const cur = doc.getIn([...at, "compartments"]);
          const current = isMap(cur) ? (cur.toJSON() as CompartmentOverrides) : undefined;
          next = mergeOverrides(model, current, changes);
          if (Object.keys(next).length === 0) doc.deleteIn([...at, "compartments"]);
          else doc.setIn([...at, "compartments"], doc.createNode(next));
        };
        const port = p.d.lockerLayout;
        let pendingDisable: string[] = [];
        if (!port) {
          const { result } = p.change(edit, {
            why: `locker bank ${bank}: compartment layout changed; the locker is not running here and reads it at start`,
          });
          return { ...result, pendingDisable, layout: view(p, bank) };
        }
        const { result } = p.change(edit, {
          live: () => {
            if (Object.keys(next).length === 0) delete dev.compartments;
            else dev.compartments = next;
          },
        });
        const applied = await port.apply(bank, dev.compartments);
        pendingDisable = applied.pending.filter((r) => r.device === bank).map((r) => r.compartment);
        return { ...result, pendingDisable, layout: view(p, bank) };
      },
    );
  };
}

/** 400 QH_LAYOUT_INVALID from Ajv's errors: one `{ path, message }` per problem, path as in the body. */
function invalidBody(errors: unknown[]): QhError {
  const details = errors.map((e) => {
    const x = e as { instancePath?: string; message?: string; params?: Record<string, unknown> };
    let path = (x.instancePath ?? "")
      .split("/")
      .filter(Boolean)
      .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
      .join("")
      .replace(/^\./, "");
    const extra = x.params?.additionalProperty ?? x.params?.missingProperty;
    if (typeof extra === "string") path = path ? `${path}.${extra}` : extra;
    const allowed = Array.isArray(x.params?.allowedValues) ? ` (${x.params.allowedValues.join(", ")})` : "";
    return { path: path || "(body)", message: `${x.message ?? "invalid"}${allowed}` };
  });
  return new QhError(
    "QH_LAYOUT_INVALID",
    `the layout change is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join("; ")}`,
    details,
  );
}
