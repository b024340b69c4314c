/**
 * The HTTP app factory (fastify): one plugin per concern. `/health` and `/metrics` without auth;
 * everything under `/api/v1` needs `Authorization: Bearer <api.token>` and has a JSON Schema.
 */
import { timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";
import { isQhError } from "../core/errors.js";
import { diskWriteError, isDiskWriteFailure } from "../store/disk.js";

export interface HealthSource {
  uplinkConnected(): boolean;
  outboxPending(): number;
  /** extra reasons to report degraded (disk low, a bus down) */
  problems(): string[];
}

export interface AppOptions {
  registry: Registry;
  health: HealthSource;
  token?: string;
  /** plugins registered under /api/v1, behind the bearer token */
  apiPlugins?: FastifyPluginAsync[];
  logger?: boolean;
}

/** HTTP status of a coded domain error. */
export function httpStatusFor(code: string): number {
  if (code === "QH_API_UNAUTHORIZED") return 401;
  if (code.endsWith("_UNKNOWN")) return 404;
  if (code.endsWith("_INVALID")) return 400;
  if (code === "QH_LOCKER_CODE_WRONG") return 403;
  if (code === "QH_LOCKER_LOCKED_OUT") return 429;
  if (
    code === "QH_LOCKER_UNREACHABLE" ||
    code === "QH_STORE_FULL" ||
    code === "QH_STORE_IO" ||
    code === "QH_STORE_CLOSED"
  )
    return 503;
  return 409;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  const a = Buffer.from(header.slice(7));
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger ?? false,
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  });

  app.setErrorHandler((err, req, reply) => {
    if (isQhError(err)) return reply.status(httpStatusFor(err.code)).send({ error: err.toJSON() });
    if (isDiskWriteFailure(err)) {
      // a write path that did not classify its own failure: still a coded answer, not a 500
      const coded = diskWriteError(err, `${req.method} ${req.url}`);
      return reply.status(503).send({ error: coded.toJSON() });
    }
    const e = err as { validation?: unknown; statusCode?: number; message: string };
    if (e.validation) {
      return reply.status(400).send({
        error: {
          code: "QH_API_INVALID",
          message: e.message,
          hint: "Fix the request body as the details say.",
          details: e.validation,
        },
      });
    }
    const status = e.statusCode && e.statusCode >= 400 ? e.statusCode : 500;
    return reply
      .status(status)
      .send({ error: { code: status === 500 ? "QH_INTERNAL" : "QH_API_INVALID", message: e.message } });
  });

  app.get(
    "/health",
    {
      schema: {
        response: {
          "2xx": { $ref: "health#" },
          "5xx": { $ref: "health#" },
        },
      },
    },
    async (_req, reply) => {
      const connected = o.health.uplinkConnected();
      const problems = o.health.problems();
      if (!connected) problems.unshift("uplink disconnected");
      const ok = problems.length === 0;
      return reply.status(ok ? 200 : 503).send({
        status: ok ? "ok" : "degraded",
        uplink: { connected },
        outbox: { pending: o.health.outboxPending() },
        problems,
      });
    },
  );
  app.addSchema({
    $id: "health",
    type: "object",
    required: ["status", "uplink", "outbox"],
    properties: {
      status: { enum: ["ok", "degraded"] },
      uplink: { type: "object", properties: { connected: { type: "boolean" } } },
      outbox: { type: "object", properties: { pending: { type: "integer" } } },
      problems: { type: "array", items: { type: "string" } },
    },
  });

  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", o.registry.contentType);
    return o.registry.metrics();
  });

  await app.register(
    async (api) => {
      api.addHook("onRequest", async (req, reply) => {
        if (!o.token) return; // no token configured: the API is open (bind it to localhost)
        if (!tokenMatches(req.headers.authorization, o.token)) {
          return reply.status(401).send({
            error: {
              code: "QH_API_UNAUTHORIZED",
              message: "missing or wrong bearer token",
              hint: "Send Authorization: Bearer <api.token>.",
            },
          });
        }
      });
      for (const p of o.apiPlugins ?? []) await api.register(p);
    },
    { prefix: "/api/v1" },
  );
  return app;
}
