/**
 * A site's own say over a locker bank's compartments (issue 12, "compartment layout"): under the
 * bank's entry on its bus,
 *
 *   buses[i].devices[j].compartments: { C01: { size: M, zone: chilled, enabled: false } }
 *
 * each key a compartment id of the bank's model, each field optional: `size` (XS-XL) replaces the
 * model's size for allocation, `zone` (ambient, chilled, frozen) replaces the model's zone kind,
 * `enabled: false` takes the compartment out of service (reason `disabled`; see
 * src/domain/locker/layout-keeper.ts for an occupied one). docs/configuration.md "Compartment
 * layout".
 *
 * Checked at start and on every write (src/config/load.ts) with key paths: the shape by the
 * schema, then {@link compartmentOverrideProblems}: an id the model does not have, a bank that is
 * not a locker bank, and the cold chain's zone rule for a zone set here (a chilled or frozen
 * compartment must be in a `cold.zones[].compartments` list of that kind; an ambient one in none).
 */
import type { SchemaObject } from "ajv";
import type { PathSegment } from "./issues.js";
import { COMPARTMENT_SIZES, type CompartmentSize, type DeviceModel, ZONES, type Zone } from "./models.js";

/** One compartment's override; every field optional. */
export interface CompartmentOverride {
  size?: CompartmentSize;
  zone?: Zone;
  enabled?: boolean;
}

/** compartment id → its override. */
export type CompartmentOverrides = Record<string, CompartmentOverride>;

/** The compartment ids a model may use (as devices/schema.json allows them). */
export const COMPARTMENT_ID_PATTERN = "^[A-Za-z0-9_-]{1,32}$";

/** The schema of `buses[].devices[].compartments` (also the PATCH body's per-compartment shape). */
export const compartmentOverrideSchema: SchemaObject = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  properties: {
    size: { type: "string", enum: [...COMPARTMENT_SIZES] },
    zone: { type: "string", enum: [...ZONES] },
    enabled: { type: "boolean" },
  },
};

export const compartmentOverridesSchema: SchemaObject = {
  type: "object",
  propertyNames: { pattern: COMPARTMENT_ID_PATTERN },
  additionalProperties: compartmentOverrideSchema,
};

type Problem = { segments: PathSegment[]; message: string };

/** Which cold zone (id, kind, key path) each `device/compartment` is listed in. */
export function coldZoneOf(config: {
  cold: { zones: { id: string; kind: string; compartments: string[] }[] };
}): Map<string, { id: string; kind: string; at: string }> {
  const out = new Map<string, { id: string; kind: string; at: string }>();
  config.cold.zones.forEach((z, i) => {
    z.compartments.forEach((c, j) => {
      out.set(c, { id: z.id, kind: z.kind, at: `cold.zones[${i}].compartments[${j}]` });
    });
  });
  return out;
}

/**
 * The cold chain's rule for one compartment of zone kind `built` (ambient, chilled, frozen): the
 * finding, or undefined when it holds. Shared by the start's warnings on the models' zones
 * (src/extensions/cold.ts coldConfigWarnings) and the errors on a zone set in the site config.
 */
export function zoneFinding(
  ref: string,
  built: string,
  z: { kind: string } | undefined,
  source: string,
): string | undefined {
  if (z && built === "ambient") return `${ref} is an ambient compartment (${source}) inside ${z.kind} zone`;
  if (!z && built !== "ambient")
    return `${ref} is a ${built} compartment (${source}) in no cold zone: nothing watches its temperature`;
  if (z && z.kind !== "custom" && z.kind !== built)
    return `${ref} is built ${built} (${source}) but is in a ${z.kind} zone`;
  return undefined;
}

/**
 * Key-path problems of every bank's `compartments` override (the schema already checked shapes).
 * A device whose model is unknown is reported elsewhere (modelProblems) and skipped here.
 */
export function compartmentOverrideProblems(
  config: {
    buses: { devices: { id: string; model: string; compartments?: CompartmentOverrides }[] }[];
    cold: { zones: { id: string; kind: string; compartments: string[] }[] };
  },
  models: ReadonlyMap<string, DeviceModel>,
): Problem[] {
  const out: Problem[] = [];
  const inZone = coldZoneOf(config);
  config.buses.forEach((bus, b) => {
    bus.devices.forEach((dev, d) => {
      if (dev.compartments === undefined) return;
      const at: PathSegment[] = ["buses", b, "devices", d, "compartments"];
      const model = models.get(dev.model);
      if (!model) return;
      if (model.kind !== "locker-bank") {
        out.push({ segments: at, message: `${dev.id} (model ${model.id}) is not a locker bank` });
        return;
      }
      const ids = model.compartments.map((c) => c.id);
      for (const [id, o] of Object.entries(dev.compartments)) {
        if (!ids.includes(id)) {
          out.push({
            segments: [...at, id],
            message: `no compartment ${id} in model ${model.id} (${ids[0]}…${ids[ids.length - 1]})`,
          });
          continue;
        }
        if (o.zone === undefined) continue;
        const ref = `${dev.id}/${id}`;
        const finding = zoneFinding(ref, o.zone, inZone.get(ref), "set here");
        if (finding)
          out.push({
            segments: [...at, id, "zone"],
            message: `${finding}; list it in a cold zone of that kind (cold.zones[].compartments) or set the zone to match`,
          });
      }
    });
  });
  return out;
}

/** A model compartment with the site's override applied (size, zone, enabled). */
export function effectiveCompartment<C extends { id: string; size: CompartmentSize; zone: Zone }>(
  c: C,
  overrides: CompartmentOverrides | undefined,
): C & { enabled: boolean } {
  const o = overrides?.[c.id];
  return { ...c, size: o?.size ?? c.size, zone: o?.zone ?? c.zone, enabled: o?.enabled ?? true };
}
