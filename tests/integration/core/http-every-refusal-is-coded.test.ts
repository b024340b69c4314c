/**
 * Every HTTP refusal carries a QH_ code and a hint, fastify's own included: an unknown route, a
 * malformed URL, an over-long parameter, a body too large, an unsupported content type.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLockerSite, TERMINAL, TOKEN } from "../locker/support.js";

let site: Awaited<ReturnType<typeof startLockerSite>>;
beforeAll(async () => {
  site = await startLockerSite();
});
afterAll(async () => {
  await site.close();
});

const cases: {
  name: string;
  method: "GET" | "POST" | "PUT";
  url: string;
  status: number;
  body?: string;
  type?: string;
}[] = [
  { name: "an unknown route", method: "GET", url: "/api/v1/nothing", status: 404 },
  { name: "an unknown method on a known path", method: "PUT", url: "/health", status: 404 },
  { name: "a malformed URL", method: "GET", url: "/api/v1/locker/parcels/%zz", status: 400 },
  {
    name: "a body too large",
    method: "POST",
    url: `/api/v1/kiosk/${TERMINAL}/pickup`,
    status: 413,
    body: `{"code":"${"1".repeat(2_000_000)}"}`,
    type: "application/json",
  },
  {
    name: "an unsupported content type",
    method: "POST",
    url: `/api/v1/kiosk/${TERMINAL}/pickup`,
    status: 415,
    body: "code=1",
    type: "application/x-www-form-urlencoded",
  },
];

it.each(cases)("$name: $status with a QH_ code and a hint", async (c) => {
  const r = await site.gw.api.inject({
    method: c.method,
    url: c.url,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(c.body !== undefined ? { "content-type": c.type ?? "application/json" } : {}),
    },
    ...(c.body !== undefined ? { payload: c.body } : {}),
  });
  expect(r.statusCode).toBe(c.status);
  const body = r.json() as { error?: { code?: string; hint?: string; message?: string } };
  expect(body.error?.code).toMatch(/^QH_[A-Z_]+$/);
  expect(body.error?.hint?.length).toBeGreaterThan(10);
  expect(body.error?.message?.length).toBeGreaterThan(0);
});
