/**
 * A commissioning report's link (JSON or HTML) opened in a browser while logged out: 303 to the
 * console's login page with `?next=` the link (the console returns there after login); API
 * clients (Accept: application/json, or curl: any type) keep the coded 401.
 */

import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";

let app: FastifyInstance;
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

beforeAll(async () => {
  app = await buildApp({
    registry: new Registry(),
    token: "t0ken-for-report-links",
    health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
    apiPlugins: [async (api) => void api.get("/reports/:file", async () => ({ ok: true }))],
  });
});
afterAll(() => app.close());

describe("a report link opened logged out", () => {
  it.each(["/api/v1/reports/r-1.html", "/api/v1/reports/r-1", "/api/v1/reports/r-1?download=1"])(
    "%s from a browser: 303 to the login page, and back after",
    async (url) => {
      const r = await app.inject({ method: "GET", url, headers: { accept: BROWSER_ACCEPT } });
      expect(r.statusCode).toBe(303);
      const loc = new URL(r.headers.location as string, "http://gw");
      expect(loc.pathname).toBe("/");
      expect(loc.searchParams.get("next")).toBe(url);
    },
  );

  it.each(["application/json", "*/*", undefined])("Accept %s: the coded 401", async (accept) => {
    const r = await app.inject({
      method: "GET",
      url: "/api/v1/reports/r-1.html",
      headers: accept ? { accept } : {},
    });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("QH_API_UNAUTHORIZED");
  });

  it("with the token a browser gets the report itself", async () => {
    const r = await app.inject({
      method: "GET",
      url: "/api/v1/reports/r-1.html",
      headers: { accept: BROWSER_ACCEPT, authorization: "Bearer t0ken-for-report-links" },
    });
    expect(r.statusCode).toBe(200);
  });
});
