/**
 * GET /api/v1/openapi.json on the demo site (config/default.yaml: locker, cold chain, vending,
 * every vertical's routes): an OpenAPI 3.1 document that lists every registered route with its
 * method, declares each path parameter, and a request body for each POST/PATCH/PUT under /api/v1
 * that takes one. The route list comes from fastify's onRoute hook, not from the document.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registeredRoutes } from "../../../src/api/openapi.js";
import { loadConfig, validateConfig } from "../../../src/config/load.js";
import { loadModels } from "../../../src/config/models.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startTestGateway, tempDir } from "../../helpers/gateway.js";
import { freePort } from "../../helpers/upstream.js";

type Op = {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};

/** POST routes that take no body by design (an action on the path alone). */
const NO_BODY = new Set<string>([
  "POST /api/v1/sim/lockers/:device/boards/:board/:action", // the simulator's board switch: all in the path
  "POST /api/v1/vending/:device/audit", // "fetch the DEX file now": nothing to send
]);

describe("OpenAPI document", { timeout: 60_000 }, () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir("qh-openapi-");
    const demo = loadConfig("config/default.yaml", { dataDir: dir, models: loadModels() });
    demo.api.port = 0;
    demo.deviceBroker.port = 0;
    demo.uplink.embeddedPort = await freePort();
    const config = validateConfig(demo, { models: loadModels() });
    gw = await startTestGateway(config, { extensions: extensionsFor(config) });
  });
  afterAll(async () => {
    await gw?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is served without a credential and lists every registered route with its parameters and body", async () => {
    const res = await gw.api.inject({ url: "/api/v1/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Op>> };
    expect(doc.openapi).toBe("3.1.0");
    const routes = registeredRoutes(gw.api);
    expect(routes.length).toBeGreaterThan(40);
    const missing: string[] = [];
    for (const r of routes) {
      // the pages' static files (`/assets/*`, @fastify/static): files, not an API; OpenAPI has no wildcard
      if (r.url.endsWith("*")) continue;
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      if (!op) {
        missing.push(`${r.method} ${r.url}: not in the document`);
        continue;
      }
      if (!r.url.startsWith("/api/v1/")) continue;
      for (const name of [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)) {
        if (!op.parameters?.some((p) => p.in === "path" && p.name === name))
          missing.push(`${r.method} ${r.url}: path parameter ${name} has no schema`);
      }
      if (
        ["POST", "PATCH", "PUT"].includes(r.method) &&
        !op.requestBody &&
        !NO_BODY.has(`${r.method} ${r.url}`)
      )
        missing.push(`${r.method} ${r.url}: no body schema`);
    }
    expect(missing).toEqual([]);
  });
});
