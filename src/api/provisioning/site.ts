/**
 * Read-mostly provisioning routes: `GET /api/v1/models`, `GET /api/v1/buses`,
 * `POST /api/v1/buses/test-open`, `GET /api/v1/site` (the layout: ./layout.ts).
 */

import type { FastifyPluginAsync } from "fastify";
import { SerialPortTransport } from "../../southbound/serial/serialport-transport.js";
import { errorResponses } from "../schemas.js";
import type { Provisioning } from "./context.js";
import { deviceView, deviceViewSchema } from "./schemas.js";
import { assertSerialPath } from "./serial-path.js";

const obj = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: "object", required, properties }) as const;
const str = { type: "string" } as const;
const strList = { type: "array", items: str } as const;

const busView = obj(
  {
    id: str,
    path: str,
    protocol: str,
    baudRate: { type: "integer" },
    devices: strList,
    state: { enum: ["ok", "problem"] },
    problems: strList,
  },
  ["id", "path", "protocol", "baudRate", "devices", "state", "problems"],
);

function buses(p: Provisioning, problems: string[]) {
  return p.config.buses.map((b) => {
    const mine = problems.filter((line) => line.includes(b.id) || line.includes(b.path));
    return {
      id: b.id,
      path: b.path,
      protocol: b.protocol,
      baudRate: b.baudRate,
      devices: b.devices.map((d) => d.id),
      state: mine.length === 0 ? ("ok" as const) : ("problem" as const),
      problems: mine,
    };
  });
}

/** The read-mostly routes. */
export function sitePlugin(p: Provisioning): FastifyPluginAsync {
  return async (app) => {
    app.get(
      "/models",
      {
        schema: {
          tags: ["provisioning"],
          summary: "The device models in devices/",
          response: {
            200: obj(
              {
                models: {
                  type: "array",
                  items: obj(
                    {
                      id: str,
                      kind: str,
                      name: str,
                      vendor: str,
                      description: str,
                      protocol: str,
                      transport: { enum: ["serial", "mqtt"] },
                      compartments: { type: "integer" },
                    },
                    ["id", "kind", "name", "vendor", "transport"],
                  ),
                },
              },
              ["models"],
            ),
            ...errorResponses(401, 403),
          },
        },
      },
      async () => ({
        models: [...p.d.models.values()]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((m) => ({
            id: m.id,
            kind: m.kind,
            name: m.name,
            vendor: m.vendor,
            ...(m.description ? { description: m.description } : {}),
            ...("protocol" in m ? { protocol: m.protocol } : {}),
            transport: m.kind === "mqtt-device" ? "mqtt" : "serial",
            ...(m.kind === "locker-bank" ? { compartments: m.compartments.length } : {}),
          })),
      }),
    );

    app.get(
      "/buses",
      {
        schema: {
          tags: ["provisioning"],
          summary: "The serial lines of the config and their state (from /health problems)",
          response: {
            200: obj({ buses: { type: "array", items: busView } }, ["buses"]),
            ...errorResponses(401, 403),
          },
        },
      },
      async () => ({ buses: buses(p, p.d.site.health().problems) }),
    );

    app.post<{ Body: { path: string; baudRate?: number } }>(
      "/buses/test-open",
      {
        schema: {
          tags: ["provisioning"],
          summary: "Try to open a serial port by path (and close it again)",
          body: {
            type: "object",
            additionalProperties: false,
            required: ["path"],
            properties: {
              path: {
                type: "string",
                pattern: "^(/dev/(?!(?:.*/)?\\.\\.(?:/|$))[A-Za-z0-9._/-]{1,200}|sim://[A-Za-z0-9_-]{1,64})$",
              },
              baudRate: { type: "integer", enum: [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] },
            },
          },
          response: {
            200: obj({ path: str, ok: { const: true }, inUseBy: str, simulated: { type: "boolean" } }, [
              "path",
              "ok",
            ]),
            ...errorResponses(400, 401, 403, 409),
          },
        },
      },
      async (req) => {
        const { path, baudRate = 9600 } = req.body;
        const bus = p.config.buses.find((b) => b.path === path);
        // a line the gateway holds open is not opened a second time (the lock would refuse it anyway)
        if (bus) return { path, ok: true as const, inUseBy: bus.id };
        if (path.startsWith("sim://")) return { path, ok: true as const, simulated: true };
        await assertSerialPath(path); // 400 QH_SERIAL_PATH_INVALID: not a serial port (never opened)
        const t = new SerialPortTransport({ path, baudRate, watchMs: 0 });
        await t.open(); // QH_SERIAL_OPEN (409) naming the reason
        await t.close();
        return { path, ok: true as const };
      },
    );

    app.get(
      "/site",
      {
        schema: {
          tags: ["provisioning"],
          summary: "The site at a glance for the console",
          response: {
            200: obj(
              {
                gateway: obj({ id: str, site: str, version: str, bootId: str, startedAt: str }),
                mode: { enum: ["simulate", "live"] },
                status: { enum: ["ok", "degraded"] },
                devices: { type: "array", items: deviceViewSchema },
                buses: { type: "array", items: busView },
                uplink: {},
                outbox: {},
                disk: obj({ level: str, usedBytes: { type: "integer" } }),
                clock: {},
                problems: strList,
                warnings: strList,
                terminals: {
                  type: "array",
                  items: obj({ id: str, paired: { type: "boolean" } }, ["id", "paired"]),
                },
                pendingRestart: obj({ required: { type: "boolean" }, why: strList }, ["required", "why"]),
                configFile: { type: ["string", "null"] },
                siteMode: {
                  description: "the site's service mode (issue 11): normal or emergency",
                  anyOf: [
                    obj({
                      mode: { enum: ["normal", "emergency"] },
                      since: str,
                      until: { type: ["string", "null"] },
                      reason: { type: ["string", "null"] },
                    }),
                    { type: "null" },
                  ],
                },
              },
              ["gateway", "mode", "status", "devices", "buses", "terminals", "pendingRestart"],
            ),
            ...errorResponses(401, 403),
          },
        },
      },
      async () => {
        const s = p.d.site;
        const h = s.health();
        return {
          gateway: {
            id: s.gatewayId,
            site: p.config.gateway.site,
            version: s.version,
            bootId: s.bootId,
            startedAt: s.startedAt,
          },
          mode: p.config.simulate ? ("simulate" as const) : ("live" as const),
          status: h.status,
          devices: deviceView(p),
          buses: buses(p, h.problems),
          uplink: h.uplink,
          outbox: h.outbox,
          ...(s.disk ? { disk: s.disk() } : {}),
          ...(h.clock ? { clock: h.clock } : {}),
          problems: h.problems,
          warnings: h.warnings,
          terminals: s.terminals(),
          pendingRestart: { required: p.pending.length > 0, why: [...p.pending] },
          configFile: p.d.writer?.file ?? null,
          siteMode: h.mode ?? null,
        };
      },
    );
  };
}
