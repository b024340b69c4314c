/**
 * Static paths the pages plugin refuses, over a real socket (light-my-request would normalise `..`
 * away before the server sees it): `..` plain and percent-encoded, an encoded slash, hidden names,
 * folders, and paths that are not there. Each answer is coded, with a hint about pages and files
 * (not the API's "fix the request body"), and no file outside the bundles is ever read.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { pagesPlugin } from "../../../src/api/pages.js";
import { ERRORS } from "../../../src/core/errors.js";
import { tempDir } from "../../helpers/gateway.js";

let app: FastifyInstance;
let dir: string;
let port: number;

beforeAll(async () => {
  dir = tempDir("qh-pages-refused-");
  writeFileSync(join(dir, "secret.txt"), "outside every page");
  mkdirSync(join(dir, "kiosk", "sub"), { recursive: true });
  writeFileSync(join(dir, "kiosk", "index.html"), "<!doctype html><title>kiosk</title>");
  writeFileSync(join(dir, "kiosk", "main.js"), "console.log(1)");
  writeFileSync(join(dir, "kiosk", ".env"), "SECRET=hidden-file-content");
  writeFileSync(join(dir, "kiosk", "sub", "x.js"), "x");
  app = await buildApp({
    registry: new Registry(),
    token: "t0ken-for-pages-test",
    health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
    rootPlugins: [pagesPlugin({ webDir: `${dir}/` })],
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET `path` sent byte for byte (no client normalisation). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("static paths refused", () => {
  it("serves a real bundle file (the control case)", async () => {
    const r = await rawGet("/assets/kiosk/main.js");
    expect(r.status).toBe(200);
    expect(r.body).toBe("console.log(1)");
  });

  it.each([
    "/assets/kiosk/../../secret.txt",
    "/assets/kiosk/%2e%2e/%2e%2e/secret.txt",
    "/assets/kiosk/%2E%2E/%2E%2E/secret.txt",
    "/assets/kiosk/..%2f..%2fsecret.txt",
    "/assets/%2e%2e/secret.txt",
    "/assets/kiosk/.env",
    "/assets/kiosk/%2eenv",
    "/assets/.hidden",
    "/assets/kiosk/sub/..%5c..%5csecret.txt",
  ])("%s: 403 QH_PAGES_PATH_REFUSED with its hint, nothing read", async (path) => {
    const r = await rawGet(path);
    expect(r.status).toBe(403);
    expect(r.body).not.toContain("outside every page");
    expect(r.body).not.toContain("hidden-file-content");
    const e = JSON.parse(r.body).error;
    expect(e.code).toBe("QH_PAGES_PATH_REFUSED");
    expect(e.hint).toBe(ERRORS.QH_PAGES_PATH_REFUSED);
    expect(e.hint).not.toMatch(/request body/);
  });

  it.each(["/assets/", "/assets/kiosk/", "/assets/kiosk/sub/"])(
    "%s (a folder): 404 QH_PAGES_NOT_FOUND, no listing",
    async (path) => {
      const r = await rawGet(path);
      expect(r.status).toBe(404);
      const e = JSON.parse(r.body).error;
      expect(e.code).toBe("QH_PAGES_NOT_FOUND");
      expect(e.hint).toContain("/kiosk/{terminal}");
    },
  );

  it.each(["/assets/kiosk/nope.js", "/assets/kiosk/sub", "/nope", "/../../secret.txt"])(
    "%s: 404 QH_PAGES_NOT_FOUND (a page hint, not the API's)",
    async (path) => {
      const r = await rawGet(path);
      expect(r.status).toBe(404);
      expect(r.body).not.toContain("outside every page");
      const e = JSON.parse(r.body).error;
      expect(e.code).toBe("QH_PAGES_NOT_FOUND");
      expect(e.hint).toBe(ERRORS.QH_PAGES_NOT_FOUND);
    },
  );

  it("an unknown API path still answers the API's own 404", async () => {
    const r = await rawGet("/api/v1/nope");
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.code).toBe("QH_API_NOT_FOUND");
  });
});
