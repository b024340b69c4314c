/**
 * The Host and Origin guard (src/api/host-guard.ts) on every route, with and without api.token:
 * a DNS-rebinding page (Host: its own name) is refused 421 QH_API_HOST on the pages, /health and
 * /api/v1; a cross-site state-changing request (Origin: another site) is refused 403 QH_API_ORIGIN
 * even when it carries no credential; loopback, api.host, the box's own IP literals and the
 * configured api.allowedHosts are answered; GETs and requests without Origin (CLI) are not affected.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { hostAllowed, hostName } from "../../../src/api/host-guard.js";
import { pagesPlugin } from "../../../src/api/pages.js";
import { tempDir } from "../../helpers/gateway.js";

let app: FastifyInstance | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = dir = undefined;
});

const TOKEN = "t0ken-for-host-test";

async function serve(token: string | undefined): Promise<FastifyInstance> {
  dir = tempDir("qh-host-");
  mkdirSync(join(dir, "console"), { recursive: true });
  writeFileSync(join(dir, "console", "index.html"), "<!doctype html><title>console</title>");
  app = await buildApp({
    registry: new Registry(),
    token,
    health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
    hosts: {
      apiHost: "192.0.2.10",
      allowedHosts: ["gw.site.lan", "*.quarter.lan"],
      ownAddresses: () => ["127.0.0.1", "198.51.100.7", "fe80::1"],
    },
    apiPlugins: [
      async (api) => {
        api.get("/ping", async () => ({ pong: true }));
        api.post("/poke", async () => ({ poked: true }));
      },
    ],
    rootPlugins: [pagesPlugin({ webDir: `${dir}/` })],
  });
  return app;
}

describe("the Host guard", () => {
  for (const token of [undefined, TOKEN]) {
    const auth = token ? { authorization: `Bearer ${token}` } : {};
    it(`refuses a rebinding page's name on every route (${token ? "token set" : "no token"})`, async () => {
      const a = await serve(token);
      for (const url of [
        "/",
        "/health",
        "/metrics",
        "/api/v1/ping",
        "/api/v1/session",
        "/assets/console/x.js",
      ]) {
        const r = await a.inject({ method: "GET", url, headers: { host: "evil.example:8080", ...auth } });
        expect(r.statusCode, url).toBe(421);
        const e = r.json().error;
        expect(e.code).toBe("QH_API_HOST");
        expect(e.hint).toContain("api.allowedHosts");
      }
      const post = await a.inject({
        method: "POST",
        url: "/api/v1/poke",
        headers: { host: "evil.example", "content-type": "application/json", ...auth },
        payload: "{}",
      });
      expect(post.statusCode).toBe(421);
    });

    it(`answers loopback, api.host, the box's IPs and allowedHosts (${token ? "token set" : "no token"})`, async () => {
      const a = await serve(token);
      for (const host of [
        "localhost:8080",
        "127.0.0.1:8080",
        "127.1.2.3",
        "[::1]:8080",
        "192.0.2.10:8080",
        "198.51.100.7",
        "[fe80::1]:8080",
        "GW.site.lan:8080",
        "kiosk.quarter.lan",
      ]) {
        const r = await a.inject({ method: "GET", url: "/api/v1/ping", headers: { host, ...auth } });
        expect(r.statusCode, host).toBe(200);
      }
    });
  }

  it("parses Host headers and patterns", () => {
    expect(hostName("[::1]:80")).toBe("::1");
    expect(hostName("Box.LAN:8080")).toBe("box.lan");
    expect(hostAllowed("quarter.lan", { allowedHosts: ["*.quarter.lan"] })).toBe(false);
    expect(hostAllowed("a.quarter.lan", { allowedHosts: ["*.quarter.lan"] })).toBe(true);
    expect(hostAllowed("0.0.0.0", { apiHost: "0.0.0.0", ownAddresses: () => [] })).toBe(false);
    expect(hostAllowed("", {})).toBe(false);
  });
});

describe("the Origin guard", () => {
  for (const token of [undefined, TOKEN]) {
    const auth = token ? { authorization: `Bearer ${token}` } : {};
    it(`refuses a cross-site POST and DELETE (${token ? "token set" : "no token"})`, async () => {
      const a = await serve(token);
      for (const [method, url] of [
        ["POST", "/api/v1/poke"],
        ["POST", "/api/v1/session"],
        ["DELETE", "/api/v1/session"],
      ] as const) {
        const r = await a.inject({
          method,
          url,
          headers: {
            host: "127.0.0.1:8080",
            origin: "http://evil.example",
            ...(method === "POST" ? { "content-type": "application/json" } : {}),
            ...auth,
          },
          ...(method === "POST" ? { payload: url.endsWith("session") ? { token: "x" } : {} } : {}),
        });
        expect(r.statusCode, url).toBe(403);
        expect(r.json().error.code).toBe("QH_API_ORIGIN");
      }
      // a page on the same box, another port, is another origin
      const port = await a.inject({
        method: "POST",
        url: "/api/v1/poke",
        headers: {
          host: "127.0.0.1:8080",
          origin: "http://127.0.0.1:9999",
          "content-type": "application/json",
          ...auth,
        },
        payload: {},
      });
      expect(port.json().error?.code).toBe("QH_API_ORIGIN");
    });

    it(`lets the gateway's own origin, GETs and callers without Origin through (${token ? "token set" : "no token"})`, async () => {
      const a = await serve(token);
      const own = await a.inject({
        method: "POST",
        url: "/api/v1/poke",
        headers: {
          host: "127.0.0.1:8080",
          origin: "http://127.0.0.1:8080",
          "content-type": "application/json",
          ...auth,
        },
        payload: {},
      });
      expect(own.statusCode).toBe(200);
      const cli = await a.inject({
        method: "POST",
        url: "/api/v1/poke",
        headers: { host: "127.0.0.1:8080", "content-type": "application/json", ...auth },
        payload: {},
      });
      expect(cli.statusCode).toBe(200);
      const get = await a.inject({
        method: "GET",
        url: "/api/v1/ping",
        headers: { host: "127.0.0.1:8080", origin: "http://evil.example", ...auth },
      });
      expect(get.statusCode).toBe(200);
    });
  }
});
