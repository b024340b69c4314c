/**
 * src/api/pages.ts: `/` and `/kiosk/{terminal}` answer the built page's index.html without a
 * token, `/assets/…` the bundles, every answer with the strict CSP; an unbuilt checkout answers
 * 503 QH_PAGES_NOT_BUILT (coded, with a hint), a malformed terminal id and a path outside the
 * bundles answer 404, and /api/v1 still needs its token.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { PAGES_CSP, pagesPlugin } from "../../../src/api/pages.js";
import { tempDir } from "../../helpers/gateway.js";

let app: FastifyInstance | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = dir = undefined;
});

async function serve(pages: string[]): Promise<FastifyInstance> {
  dir = tempDir("qh-pages-");
  writeFileSync(join(dir, "secret.txt"), "outside every page");
  for (const p of pages) {
    mkdirSync(join(dir, p), { recursive: true });
    writeFileSync(join(dir, p, "index.html"), `<!doctype html><title>${p}</title>`);
    writeFileSync(join(dir, p, "main.js"), `console.log("${p}")`);
  }
  app = await buildApp({
    registry: new Registry(),
    token: "t0ken-for-pages-test",
    health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
    apiPlugins: [async (api) => void api.get("/ping", async () => ({ pong: true }))],
    rootPlugins: [pagesPlugin({ webDir: `${dir}/` })],
  });
  return app;
}

describe("the pages plugin", () => {
  it("serves the console at / and the kiosk at /kiosk/{terminal} with a strict CSP, no token needed", async () => {
    const a = await serve(["console", "kiosk"]);
    const home = await a.inject({ method: "GET", url: "/" });
    expect(home.statusCode).toBe(200);
    expect(home.headers["content-type"]).toMatch(/^text\/html/);
    expect(home.body).toContain("<title>console</title>");
    expect(home.headers["content-security-policy"]).toBe(PAGES_CSP);
    expect(PAGES_CSP).toContain("default-src 'self'");
    expect(PAGES_CSP).toContain("script-src 'self'");
    expect(PAGES_CSP).not.toContain("unsafe-inline");
    expect(home.headers["x-content-type-options"]).toBe("nosniff");
    const kiosk = await a.inject({ method: "GET", url: "/kiosk/kiosk-a" });
    expect(kiosk.statusCode).toBe(200);
    expect(kiosk.body).toContain("<title>kiosk</title>");
    expect(kiosk.headers["content-security-policy"]).toBe(PAGES_CSP);
  });

  it("serves bundles under /assets/ with the CSP, and nothing outside a page's folder by traversal", async () => {
    const a = await serve(["kiosk"]);
    const js = await a.inject({ method: "GET", url: "/assets/kiosk/main.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toMatch(/javascript/);
    expect(js.headers["content-security-policy"]).toBe(PAGES_CSP);
    expect(js.headers["cache-control"]).toBe("no-cache");
    const out = await a.inject({ method: "GET", url: "/assets/kiosk/../../secret.txt" });
    expect(out.body).not.toContain("outside every page");
    const missing = await a.inject({ method: "GET", url: "/assets/kiosk/nope.js" });
    expect(missing.statusCode).toBe(404);
  });

  it("answers 503 QH_PAGES_NOT_BUILT with a hint when the pages were not built", async () => {
    const a = await serve([]);
    const r = await a.inject({ method: "GET", url: "/kiosk/kiosk-a" });
    expect(r.statusCode).toBe(503);
    const e = r.json().error;
    expect(e.code).toBe("QH_PAGES_NOT_BUILT");
    expect(e.hint).toContain("npm run build");
  });

  it("refuses a malformed terminal id in the path, and /api/v1 still needs the token", async () => {
    const a = await serve(["kiosk"]);
    const bad = await a.inject({ method: "GET", url: "/kiosk/a%20b" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("QH_API_INVALID");
    const api = await a.inject({ method: "GET", url: "/api/v1/ping" });
    expect(api.statusCode).toBe(401);
  });
});
