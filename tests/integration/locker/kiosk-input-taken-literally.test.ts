/**
 * The kiosk API takes input literally: a code sent as a JSON number or boolean is a 400 naming the
 * field (never turned into the string "123456", which would also lose a leading zero), and no
 * session starts; a body with `__proto__` (or constructor.prototype) is refused with a message
 * saying so, not "Body is not valid JSON"; a body that is not valid UTF-8 is refused as such. Path parameters that are numbers are checked as text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCKER, type LockerSite, startLockerSite, TERMINAL, TOKEN } from "./support.js";

describe("kiosk API: no type coercion, no prototype poisoning", () => {
  let site: LockerSite;
  beforeAll(async () => {
    site = await startLockerSite({ uplinkDown: true });
  });
  afterAll(async () => site.close());

  const raw = async (url: string, text: string) => {
    const r = await site.gw.api.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      payload: text,
    });
    return {
      status: r.statusCode,
      body: r.json() as { error: { code: string; message: string; details?: unknown } },
    };
  };

  const typed: [string, string, string][] = [
    ["pickup", '{"code": 123456}', "code"],
    ["pickup", '{"code": 12345678901}', "code"],
    ["deposit", '{"courierCode": true}', "courierCode"],
    ["deposit", '{"courierCode": 24681357}', "courierCode"],
    ["retrieve", '{"courierCode": 24681357}', "courierCode"],
    ["deposit/reserved", '{"orderId": 42}', "orderId"],
  ];
  for (const [path, text, field] of typed) {
    it(`${path} ${text} → 400 naming ${field}, nothing started`, async () => {
      const r = await raw(`/api/v1/kiosk/${TERMINAL}/${path}`, text);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("QH_API_INVALID");
      expect(r.body.error.message).toContain(`body/${field} must be string`);
      const session = await site.request("GET", `/api/v1/kiosk/${TERMINAL}/deposit`);
      expect(session.status).toBe(404);
    });
  }

  it("the compartment view of a device that is not a locker bank is 404, not an empty bank", async () => {
    for (const device of ["locker-zz", "constructor", "__proto__"]) {
      const r = await site.request("GET", `/api/v1/locker/compartments?device=${device}`);
      expect(r.status).toBe(404);
      expect((r.body as { error: { code: string } }).error.code).toBe("QH_LOCKER_COMPARTMENT_UNKNOWN");
    }
    const own = await site.request("GET", `/api/v1/locker/compartments?device=${LOCKER}`);
    expect(own.status).toBe(200);
    expect((own.body as { compartments: unknown[] }).compartments.length).toBeGreaterThan(0);
  });

  it("the demo courier code as a string still starts a session (the same digits, literally)", async () => {
    const r = await raw(`/api/v1/kiosk/${TERMINAL}/deposit`, '{"courierCode": "24681357"}');
    expect(r.status).toBe(200);
    expect((await site.request("DELETE", `/api/v1/kiosk/${TERMINAL}/deposit`)).status).toBe(204);
  });

  it("a body with __proto__ is refused, saying so", async () => {
    const r = await raw(
      `/api/v1/kiosk/${TERMINAL}/pickup`,
      '{"code": "123456", "__proto__": {"admin": true}}',
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("QH_API_INVALID");
    expect(r.body.error.message).toContain('"__proto__"');
    expect(r.body.error.message).not.toMatch(/not valid JSON/i);
    expect(r.body.error.details).toEqual({ refused: "__proto__" });
    // escaped, the same key
    const esc = await raw(`/api/v1/kiosk/${TERMINAL}/pickup`, '{"code": "123456", "\\u005f_proto__": {}}');
    expect(esc.body.error.details).toEqual({ refused: "__proto__" });
  });

  it("a body with constructor.prototype is refused, saying so; broken JSON says it is not JSON", async () => {
    const r = await raw(
      `/api/v1/kiosk/${TERMINAL}/pickup`,
      '{"code": "123456", "constructor": {"prototype": {}}}',
    );
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('"constructor"');
    expect(r.body.error.details).toEqual({ refused: "constructor.prototype" });
    const broken = await raw(`/api/v1/kiosk/${TERMINAL}/pickup`, '{"code": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: "QH_API_INVALID", details: { refused: "syntax" } });
  });

  it("a body that is not valid UTF-8 is refused as such, never decoded into U+FFFD", async () => {
    // {"orderId":"ORD-<0xff>"}: decoded, the byte would become U+FFFD and the order looked up
    const bytes = Buffer.concat([Buffer.from('{"orderId":"ORD-'), Buffer.from([0xff]), Buffer.from('"}')]);
    for (const path of ["deposit/reserved", "pickup"]) {
      const r = await site.gw.api.inject({
        method: "POST",
        url: `/api/v1/kiosk/${TERMINAL}/${path}`,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        payload: bytes,
      });
      expect(r.statusCode, path).toBe(400);
      expect(r.json()).toMatchObject({
        error: {
          code: "QH_API_INVALID",
          message: expect.stringContaining("UTF-8"),
          details: { refused: "utf8" },
        },
      });
    }
    // the same text in UTF-8 is read literally (and is a schema matter, not an encoding one)
    const ok = await raw(`/api/v1/kiosk/${TERMINAL}/pickup`, '{"code":"ü123"}');
    expect(ok.body.error.message).toContain("body/code must match pattern");
  });

  it("a numeric path parameter is text with a pattern: /sim/…/boards/2/kill works, /boards/x/kill is 400", async () => {
    const bad = await site.request("POST", `/api/v1/sim/lockers/${LOCKER}/boards/x/kill`);
    expect(bad.status).toBe(400);
    const kill = await site.request("POST", `/api/v1/sim/lockers/${LOCKER}/boards/2/kill`);
    expect(kill).toMatchObject({ status: 200, body: { board: 2, alive: false } });
    const revive = await site.request("POST", `/api/v1/sim/lockers/${LOCKER}/boards/2/revive`);
    expect(revive).toMatchObject({ status: 200, body: { board: 2, alive: true } });
  });
});
