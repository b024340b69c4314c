/**
 * Shapes shared by the provisioning routes: a device's view and a change's result.
 */
import type { Provisioning } from "./context.js";

export const idParams = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

/** `{ applied: true }` or `{ restartRequired: true, why }`. */
export const changeResult = {
  type: "object",
  properties: {
    applied: { const: true },
    restartRequired: { const: true },
    why: { type: "string" },
  },
} as const;

export const deviceViewSchema = {
  type: "object",
  required: ["id", "kind", "model", "online", "lastSeen"],
  properties: {
    id: { type: "string" },
    kind: { enum: ["serial", "mqtt"] },
    model: { type: "string" },
    bus: { type: "string" },
    address: { type: "integer" },
    name: { type: "string" },
    location: { type: "string" },
    /** null: not known (a serial device the gateway has not polled yet) */
    online: { type: ["boolean", "null"] },
    lastSeen: { type: ["string", "null"] },
    /** MQTT: whether it has a credential */
    provisioned: { type: "boolean" },
  },
} as const;

export interface DeviceView {
  id: string;
  kind: "serial" | "mqtt";
  model: string;
  bus?: string;
  address?: number;
  name?: string;
  location?: string;
  online: boolean | null;
  lastSeen: string | null;
  provisioned?: boolean;
}

/** Every device of the running config, with presence (MQTT: the broker; serial: its last state). */
export function deviceView(p: Provisioning): DeviceView[] {
  const states = new Map(p.d.deviceStates().map((s) => [s.device, s]));
  const creds = new Set(p.d.credentials.list().map((r) => r.id));
  const seen = (id: string) => {
    const s = states.get(id);
    return s ? new Date(s.ts).toISOString() : null;
  };
  const out: DeviceView[] = [];
  const polled = p.d.site.presence?.() ?? {};
  for (const bus of p.config.buses) {
    for (const d of bus.devices) {
      const online = d.id in polled ? polled[d.id] : states.get(d.id)?.doc.online;
      out.push({
        id: d.id,
        kind: "serial",
        model: d.model,
        bus: bus.id,
        ...(d.address !== undefined ? { address: d.address } : {}),
        ...(d.name ? { name: d.name } : {}),
        ...(d.location ? { location: d.location } : {}),
        online: typeof online === "boolean" ? online : null,
        lastSeen: seen(d.id),
      });
    }
  }
  for (const d of p.config.devices) {
    out.push({
      id: d.id,
      kind: "mqtt",
      model: d.model,
      ...(d.name ? { name: d.name } : {}),
      ...(d.location ? { location: d.location } : {}),
      online: p.d.broker.isOnline(d.id),
      lastSeen: seen(d.id),
      provisioned: creds.has(d.id),
    });
  }
  return out;
}
