import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLockerSite } from "./support.js";

describe("kiosk API: bad input gets a clear answer", () => {
  let site: Awaited<ReturnType<typeof startLockerSite>>;
  beforeAll(async () => {
    site = await startLockerSite({ uplinkDown: true });
  });
  afterAll(async () => site.close());

  it("needs the bearer token", async () => {
    const r = await site.gw.api.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-1/pickup",
      payload: { code: "123456" },
    });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ error: { code: "QH_API_UNAUTHORIZED" } });
  });

  const bad: [string, string, unknown, RegExp][] = [
    ["POST", "/api/v1/kiosk/kiosk-1/pickup", {}, /code/],
    ["POST", "/api/v1/kiosk/kiosk-1/pickup", { code: "12" }, /code/],
    ["POST", "/api/v1/kiosk/kiosk-1/pickup", { code: "123456", extra: 1 }, /additional/],
    ["POST", "/api/v1/kiosk/kiosk-1/deposit", { courierCode: "has spaces in it" }, /courierCode/],
    ["POST", "/api/v1/kiosk/kiosk-1/deposit/barcode", { barcode: "" }, /barcode/],
    ["POST", "/api/v1/kiosk/kiosk-1/deposit/size", { size: "XXL" }, /size/],
    ["POST", "/api/v1/kiosk/bad terminal!/pickup", { code: "123456" }, /terminal/],
    ["POST", "/api/v1/sim/lockers/locker-a/A01", { action: "explode" }, /action/],
  ];
  for (const [method, url, payload, re] of bad) {
    it(`${method} ${url} ${JSON.stringify(payload)} → 400 with the schema error`, async () => {
      const r = await site.request(method as "POST", url.replace(/ /g, "%20"), payload);
      expect(r.status).toBe(400);
      const body = r.body as { error: { code: string; message: string; details: unknown } };
      expect(body.error.code).toBe("QH_API_INVALID");
      expect(body.error.message).toMatch(re);
      expect(body.error.details).toBeDefined();
    });
  }

  it("domain refusals carry their code and a hint: no session, unknown parcel", async () => {
    const noSession = await site.request("POST", "/api/v1/kiosk/kiosk-1/deposit/barcode", { barcode: "X1" });
    expect(noSession.status).toBe(409);
    expect(noSession.body).toMatchObject({ error: { code: "QH_LOCKER_SESSION", hint: expect.any(String) } });
    const unknown = await site.request("GET", "/api/v1/locker/parcels/nope");
    expect(unknown.status).toBe(404);
  });
});
