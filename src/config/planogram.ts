/**
 * The `planogram:` config block: what each vending machine holds (slot = the MDB item number the
 * machine reports; product, name, price, capacity, the count it starts with, the low-stock mark and
 * the product number its DEX file uses for the slot). The database is authoritative once a slot
 * exists: `vend.prices` and restocks survive restarts; the config sets product, name, capacity and
 * the low mark on every start (docs/configuration.md, "planogram").
 */
import type { SchemaObject } from "ajv";
import type { PathSegment } from "./issues.js";

export interface PlanogramSlotConfig {
  /** the MDB item number (0..65535) */
  slot: number;
  product: string;
  name?: string;
  /** minor currency units */
  price: number;
  capacity: number;
  /** the count a new slot starts with (default: capacity) */
  count?: number;
  /** stock.low when the count falls to this or below (default: planogram.lowStockAt) */
  lowAt?: number;
  /** the slot's product number in the machine's DEX file (default: the slot number) */
  dexProduct?: string;
}

export interface PlanogramMachineConfig {
  /** a device on an mdb-bridge-text bus */
  device: string;
  slots: PlanogramSlotConfig[];
}

export interface PlanogramConfig {
  lowStockAt: number;
  machines: PlanogramMachineConfig[];
}

const int = (minimum: number, maximum: number, def?: number): SchemaObject => ({
  type: "integer",
  minimum,
  maximum,
  ...(def !== undefined ? { default: def } : {}),
});

/** The JSON Schema of the block (defaults filled in by the loader). */
export function planogramSchema(deviceId: SchemaObject): SchemaObject {
  const slot: SchemaObject = {
    type: "object",
    additionalProperties: false,
    required: ["slot", "product", "price", "capacity"],
    properties: {
      slot: int(0, 65535),
      product: { type: "string", minLength: 1, maxLength: 64 },
      name: { type: "string", minLength: 1, maxLength: 64 },
      price: int(0, 10_000_000),
      capacity: int(0, 10_000),
      count: int(0, 10_000),
      lowAt: int(0, 10_000),
      dexProduct: { type: "string", pattern: "^[A-Za-z0-9_-]{1,16}$" },
    },
  };
  return {
    type: "object",
    additionalProperties: false,
    default: {},
    properties: {
      lowStockAt: int(0, 10_000, 2),
      machines: {
        type: "array",
        default: [],
        items: {
          type: "object",
          additionalProperties: false,
          required: ["device", "slots"],
          properties: { device: deviceId, slots: { type: "array", items: slot } },
        },
      },
    },
  };
}

/**
 * Cross-checks: each machine is a device on an `mdb-bridge-text` bus, declared once; slot numbers
 * and DEX product numbers are unique per machine; a starting count fits the capacity.
 */
export function planogramProblems(config: {
  planogram: PlanogramConfig;
  buses: { protocol: string; devices: { id: string }[] }[];
}): { segments: PathSegment[]; message: string }[] {
  const out: { segments: PathSegment[]; message: string }[] = [];
  const vending = new Set(
    config.buses.filter((b) => b.protocol === "mdb-bridge-text").flatMap((b) => b.devices.map((d) => d.id)),
  );
  const seen = new Set<string>();
  config.planogram.machines.forEach((m, i) => {
    const at: PathSegment[] = ["planogram", "machines", i];
    if (!vending.has(m.device))
      out.push({
        segments: [...at, "device"],
        message: `${m.device} is not a device on an mdb-bridge-text bus`,
      });
    if (seen.has(m.device))
      out.push({ segments: [...at, "device"], message: `${m.device} has a planogram already` });
    seen.add(m.device);
    const slots = new Set<number>();
    const dex = new Set<string>();
    m.slots.forEach((s, j) => {
      const sp: PathSegment[] = [...at, "slots", j];
      if (slots.has(s.slot))
        out.push({ segments: [...sp, "slot"], message: `slot ${s.slot} is declared twice` });
      slots.add(s.slot);
      const d = s.dexProduct ?? String(s.slot);
      if (dex.has(d))
        out.push({ segments: [...sp, "dexProduct"], message: `DEX product ${d} is used by two slots` });
      dex.add(d);
      if (s.count !== undefined && s.count > s.capacity)
        out.push({
          segments: [...sp, "count"],
          message: `${s.count} is more than the capacity (${s.capacity})`,
        });
    });
  });
  return out;
}
