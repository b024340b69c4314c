/**
 * The OpenAPI 3.1 document of every route, built by @fastify/swagger from the routes' own JSON
 * Schemas (the ones fastify validates and serializes with: no second source to drift), served at
 * `GET /api/v1/openapi.json` (no credential needed: it holds no secret, only the API's shape).
 * {@link registeredRoutes} lists what was registered, independently, so a test can check that the
 * document misses none.
 */
import swagger from "@fastify/swagger";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";

const routes = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every route registered on `app` (HEAD routes left out), as `{ method, url }`. */
export function registeredRoutes(app: FastifyInstance): { method: string; url: string }[] {
  return [...(routes.get(app) ?? [])];
}

/** Registers the swagger collector and the route list; call before any route is added. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  const list: { method: string; url: string }[] = [];
  routes.set(app, list);
  app.addHook("onRoute", (r) => {
    for (const m of [r.method].flat()) if (m !== "HEAD") list.push({ method: m, url: r.url });
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "quarterhour gateway API",
        version,
        description:
          "Installer and kiosk API of the quarterhour edge gateway (docs/contract.md). Every refusal is `{ error: { code: QH_…, message, hint, details? } }`.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "api.token from the config" },
          console: { type: "apiKey", in: "cookie", name: "qh_console", description: "POST /api/v1/session" },
          kiosk: {
            type: "apiKey",
            in: "cookie",
            name: "qh_kiosk",
            description: "a paired kiosk screen: its own terminal's /api/v1/kiosk/{terminal}/… routes only",
          },
        },
      },
      security: [{ bearer: [] }, { console: [] }],
    },
  });
}

/** `GET /openapi.json` under /api/v1 (public). `root`: the app swagger was registered on. */
export function openApiRoute(root: FastifyInstance): FastifyPluginAsync {
  return async (api) => {
    api.get(
      "/openapi.json",
      {
        config: { qhPublic: true },
        schema: {
          tags: ["meta"],
          summary: "This document",
          response: { 200: { type: "object", additionalProperties: true } },
        },
      },
      async () => root.swagger(),
    );
  };
}
