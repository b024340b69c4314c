/**
 * Devices from the console: `GET|POST /api/v1/devices`, `GET|PATCH|DELETE /api/v1/devices/{id}`.
 *
 *  - MQTT device (a model of kind mqtt-device, e.g. generic-mqtt): declared under `devices:` and
 *    given a credential; the secret is in the 201 answer once and never again. Live: it may connect
 *    at once. DELETE removes the declaration and the credential and closes its connections at once
 *    (the broker ends them before the answer: revocation within a second, issue 14).
 *  - serial device: `{ id, model, bus, address }` under `buses[{bus}].devices`; applies at the next
 *    start (`restartRequired`). name and location apply live for both kinds.
 * Every change goes through {@link Provisioning.change} (validated as at start, saved atomically).
 */
import type { FastifyPluginAsync } from "fastify";
import type { Document } from "yaml";
import type { DeviceModel } from "../../config/models.js";
import type { BusDeviceConfig, Config, MqttDeviceConfig } from "../../config/schema.js";
import { QhError } from "../../core/errors.js";
import { generateSecret } from "../../store/credentials.js";
import { errorResponses } from "../schemas.js";
import type { Provisioning } from "./context.js";
import { changeResult, deviceView, idParams, deviceViewSchema as view } from "./schemas.js";

type Where = { path: (string | number)[]; kind: "mqtt" | "serial"; bus?: string };

/** Where device `id` is declared in the document (file), or undefined. */
function locate(doc: Document, id: string): Where | undefined {
  const js = (doc.toJS() ?? {}) as {
    devices?: { id: string }[];
    buses?: { id: string; devices?: { id: string }[] }[];
  };
  const i = (js.devices ?? []).findIndex((d) => d.id === id);
  if (i >= 0) return { path: ["devices", i], kind: "mqtt" };
  for (const [b, bus] of (js.buses ?? []).entries()) {
    const j = (bus.devices ?? []).findIndex((d) => d.id === id);
    if (j >= 0) return { path: ["buses", b, "devices", j], kind: "serial", bus: bus.id };
  }
  return undefined;
}

/** Where a model puts a compartment's door: protocol, board offset, lock (undefined: no such compartment). */
function doorOf(model: DeviceModel | undefined, compartment: string): string | undefined {
  if (model?.kind !== "locker-bank") return undefined;
  const c = model.compartments.find((x) => x.id === compartment);
  return c ? `${model.protocol}/${model.boards[c.board]?.offset}/${c.lock}` : undefined;
}

/**
 * Refuses (409 QH_DEVICE_HOLDS_PARCELS) a locker bank's removal, or a model or address change, while
 * a compartment that would disappear or move to another door holds an active parcel, a reservation
 * or a distribution bundle: after the restart nothing could open that door for its owner
 * (docs/locker.md "Changing a bank"). A model change that keeps a compartment's id on the same
 * board offset and lock (same protocol) leaves it where it is.
 */
function guardBank(p: Provisioning, id: string, change: PatchBody | "remove"): void {
  const held = p.d.lockerLayout?.occupants(id) ?? [];
  if (held.length === 0) return;
  const running = p.config.buses.flatMap((b) => b.devices).find((d) => d.id === id);
  let moving = held;
  if (change !== "remove") {
    const addressMoves = change.address !== undefined && change.address !== running?.address;
    const modelChanges = change.model !== undefined && change.model !== running?.model;
    if (!addressMoves && !modelChanges) return;
    if (!addressMoves && running) {
      const from = p.d.models.get(running.model);
      const to = p.d.models.get(change.model!);
      moving = held.filter((o) => {
        const now = doorOf(from, o.compartment);
        return now === undefined || doorOf(to, o.compartment) !== now;
      });
    }
  }
  if (moving.length === 0) return;
  const what = change === "remove" ? "removed" : "given another model or address";
  const list = moving.map((o) => ({
    compartment: o.compartment,
    parcels: o.parcels.map((x) => x.id),
    holds: o.holds.map((h) => ({ owner: h.owner, item: h.item })),
  }));
  throw new QhError(
    "QH_DEVICE_HOLDS_PARCELS",
    `locker bank ${id} cannot be ${what}: ${list
      .map(
        (o) =>
          `${o.compartment} holds ${[...o.parcels, ...o.holds.map((h) => `${h.owner} ${h.item}`)].join(", ")}`,
      )
      .join("; ")}`,
    { device: id, compartments: list },
  );
}

function unknown(id: string): QhError {
  return new QhError("QH_DEVICE_UNKNOWN", `no device "${id}" in the config`);
}

type AddBody = {
  id: string;
  model: string;
  bus?: string;
  address?: number;
  name?: string;
  location?: string;
};
type PatchBody = { name?: string; location?: string; model?: string; address?: number };

const text = { type: "string", minLength: 1, maxLength: 128 } as const;

/** The device routes. */
export function devicesPlugin(p: Provisioning): FastifyPluginAsync {
  return async (app) => {
    app.get(
      "/devices",
      {
        schema: {
          tags: ["provisioning"],
          summary: "Every device of the config: serial (bus, address) and MQTT, with presence",
          response: {
            200: {
              type: "object",
              required: ["devices"],
              properties: { devices: { type: "array", items: view } },
            },
            ...errorResponses(401, 403),
          },
        },
      },
      async () => ({ devices: deviceView(p) }),
    );

    app.get<{ Params: { id: string } }>(
      "/devices/:id",
      {
        schema: {
          tags: ["provisioning"],
          summary: "One device",
          params: idParams,
          response: { 200: view, ...errorResponses(401, 403, 404) },
        },
      },
      async (req) => {
        const d = deviceView(p).find((v) => v.id === req.params.id);
        if (!d) throw unknown(req.params.id);
        return d;
      },
    );

    app.post<{ Body: AddBody }>(
      "/devices",
      {
        schema: {
          tags: ["provisioning"],
          summary:
            "Add a device: MQTT (credential shown once, live) or serial (bus, address; at the next start)",
          body: {
            type: "object",
            additionalProperties: false,
            required: ["id", "model"],
            properties: {
              id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
              model: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,64}$" },
              bus: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
              address: { type: "integer", minimum: 0, maximum: 255 },
              name: text,
              location: text,
            },
          },
          response: {
            201: {
              type: "object",
              required: ["device"],
              properties: {
                device: view,
                secret: { type: "string" },
                ...changeResult.properties,
              },
            },
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (req, reply) => reply.status(201).send(await addDevice(p, req.body)),
    );

    app.patch<{ Params: { id: string }; Body: PatchBody }>(
      "/devices/:id",
      {
        schema: {
          tags: ["provisioning"],
          summary:
            "Change a device: name and location live; a serial device's model or address at the next start",
          params: idParams,
          body: {
            type: "object",
            additionalProperties: false,
            minProperties: 1,
            properties: {
              name: text,
              location: text,
              model: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,64}$" },
              address: { type: "integer", minimum: 0, maximum: 255 },
            },
          },
          response: { 200: changeResult, ...errorResponses(400, 401, 403, 404, 409, 503) },
        },
      },
      async (req) => patchDevice(p, req.params.id, req.body),
    );

    app.delete<{ Params: { id: string } }>(
      "/devices/:id",
      {
        schema: {
          tags: ["provisioning"],
          summary: "Remove a device: an MQTT device's credential and connections go at once",
          params: idParams,
          response: {
            200: {
              type: "object",
              properties: { ...changeResult.properties, disconnected: { type: "integer" } },
            },
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (req) => removeDevice(p, req.params.id),
    );
  };
}

function entryOf(b: AddBody | PatchBody, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    keys
      .filter((k) => (b as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, (b as Record<string, unknown>)[k]]),
  );
}

async function addDevice(p: Provisioning, b: AddBody) {
  const model = p.d.models.get(b.model);
  if (!model) throw new QhError("QH_MODEL_UNKNOWN", `no model "${b.model}" in devices/ (GET /api/v1/models)`);
  if (model.kind === "mqtt-device") {
    if (b.bus !== undefined || b.address !== undefined) {
      throw new QhError("QH_API_INVALID", `"${b.model}" is an MQTT device model: give no bus or address`);
    }
    const entry = entryOf(b, ["id", "model", "name", "location"]);
    const { result, next } = p.change(
      (doc) => {
        if (doc.hasIn(["devices"]) && doc.getIn(["devices"]) !== null) doc.addIn(["devices"], entry);
        else doc.setIn(["devices"], [entry]);
      },
      {
        live: (cfg: Config) => {
          const d = cfg.devices.find((x) => x.id === b.id) as MqttDeviceConfig;
          p.config.devices.push(d);
          p.d.mqttDeclared.add(b.id);
        },
      },
    );
    void next;
    const secret = generateSecret();
    if (p.d.credentials.get(b.id)) p.d.credentials.remove(b.id); // a credential left from before: replaced
    await p.d.credentials.add(b.id, b.model, secret);
    await p.d.durable();
    const device = deviceView(p).find((v) => v.id === b.id)!;
    return { device, secret, ...result };
  }
  if (b.bus === undefined) {
    throw new QhError(
      "QH_API_INVALID",
      `"${b.model}" is a ${model.kind} model: give the bus it is on (and its address)`,
    );
  }
  const entry = entryOf(b, ["id", "model", "address", "name", "location"]);
  const { result } = p.change(
    (doc) => {
      const js = (doc.toJS() ?? {}) as { buses?: { id: string }[] };
      const i = (js.buses ?? []).findIndex((x) => x.id === b.bus);
      if (i < 0) throw new QhError("QH_API_INVALID", `no bus "${b.bus}" in the config (GET /api/v1/buses)`);
      if (doc.getIn(["buses", i, "devices"])) doc.addIn(["buses", i, "devices"], entry);
      else doc.setIn(["buses", i, "devices"], [entry]);
    },
    { why: `device ${b.id} added on bus ${b.bus}: serial lines are set up at start` },
  );
  return {
    device: {
      id: b.id,
      kind: "serial" as const,
      model: b.model,
      bus: b.bus,
      address: b.address,
      online: null,
      lastSeen: null,
    },
    ...result,
  };
}

function patchDevice(p: Provisioning, id: string, b: PatchBody) {
  const where = p.d.writer ? locate(p.d.writer.document(), id) : undefined;
  if (p.d.writer && !where) throw unknown(id);
  if (where?.kind === "mqtt" && (b.model !== undefined || b.address !== undefined)) {
    throw new QhError(
      "QH_API_INVALID",
      `${id} is an MQTT device: only name and location change (remove and add it for another model)`,
    );
  }
  if (b.model !== undefined || b.address !== undefined) guardBank(p, id, b);
  const fields = entryOf(b, ["name", "location", "model", "address"]);
  const liveOnly = b.model === undefined && b.address === undefined;
  const edit = (doc: Document) => {
    for (const [k, v] of Object.entries(fields)) doc.setIn([...where!.path, k], v);
  };
  if (liveOnly) {
    return p.change(edit, {
      live: () => {
        const running =
          p.config.devices.find((d) => d.id === id) ??
          p.config.buses.flatMap((x) => x.devices).find((d): d is BusDeviceConfig => d.id === id);
        if (running) Object.assign(running, fields);
      },
    }).result;
  }
  return p.change(edit, {
    why: `device ${id}: ${Object.keys(fields).join(", ")} changed; a serial device's model and address are read at start`,
  }).result;
}

async function removeDevice(p: Provisioning, id: string) {
  const where = p.d.writer ? locate(p.d.writer.document(), id) : undefined;
  if (p.d.writer && !where) throw unknown(id);
  const edit = (doc: Document) => {
    doc.deleteIn(where!.path);
  };
  if (where?.kind === "serial") {
    guardBank(p, id, "remove");
    return p.change(edit, {
      why: `device ${id} removed from bus ${where.bus}: serial lines are set up at start`,
    }).result;
  }
  const { result } = p.change(edit, {
    live: () => {
      const i = p.config.devices.findIndex((d) => d.id === id);
      if (i >= 0) p.config.devices.splice(i, 1);
      p.d.mqttDeclared.delete(id);
    },
  });
  if (p.d.credentials.get(id)) p.d.credentials.remove(id);
  await p.d.durable();
  const disconnected = await p.d.broker.disconnectDevice(id);
  p.d.log.info({ id, disconnected }, "MQTT device removed: credential revoked, connections closed");
  return { ...result, disconnected };
}
