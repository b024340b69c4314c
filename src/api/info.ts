import type { FastifyPluginAsync } from "fastify";

export interface InfoSource {
  gatewayId: string;
  site: string;
  version: string;
  bootId: string;
  startedAt: string;
  uplinkConnected(): boolean;
  outboxPending(): number;
  lastSeq(): number;
}

/** `GET /api/v1/info`: what an installer checks first. */
export function infoPlugin(s: InfoSource): FastifyPluginAsync {
  return async (app) => {
    app.get(
      "/info",
      {
        schema: {
          response: {
            200: {
              type: "object",
              required: ["gateway", "site", "version", "bootId", "startedAt", "uplink", "outbox"],
              properties: {
                gateway: { type: "string" },
                site: { type: "string" },
                version: { type: "string" },
                bootId: { type: "string" },
                startedAt: { type: "string" },
                uplink: { type: "object", properties: { connected: { type: "boolean" } } },
                outbox: {
                  type: "object",
                  properties: { pending: { type: "integer" }, lastSeq: { type: "integer" } },
                },
              },
            },
          },
        },
      },
      async () => ({
        gateway: s.gatewayId,
        site: s.site,
        version: s.version,
        bootId: s.bootId,
        startedAt: s.startedAt,
        uplink: { connected: s.uplinkConnected() },
        outbox: { pending: s.outboxPending(), lastSeq: s.lastSeq() },
      }),
    );
  };
}
