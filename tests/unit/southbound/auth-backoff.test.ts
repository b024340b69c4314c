import { describe, expect, it } from "vitest";
import { AuthBackoff, clientIdAllowed, RefusalLogBudget } from "../../../src/southbound/mqtt/admission.js";

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("failed-password back-off (before any hashing)", () => {
  it("blocks an address after the free failures, doubling, capped; a block lapses by itself", () => {
    const c = clock();
    const b = new AuthBackoff({
      freeFailures: 3,
      baseMs: 1000,
      maxMs: 4000,
      hashesPerSecond: 1000,
      now: c.now,
    });
    for (let i = 0; i < 3; i++) {
      expect(b.check("10.0.0.9", "dev-1")).toBeUndefined();
      expect(b.fail("10.0.0.9", "dev-1")).toBe(0);
    }
    expect(b.check("10.0.0.9", "dev-1")).toBeUndefined();
    expect(b.fail("10.0.0.9", "dev-1")).toBe(1000);
    expect(b.check("10.0.0.9", "dev-2")).toBe("backoff"); // the address, whatever the username
    c.advance(1000);
    expect(b.check("10.0.0.9", "dev-1")).toBeUndefined();
    expect(b.fail("10.0.0.9", "dev-1")).toBe(2000);
    c.advance(2000);
    expect(b.fail("10.0.0.9", "dev-1")).toBe(4000);
    c.advance(4000);
    expect(b.fail("10.0.0.9", "dev-1")).toBe(4000); // capped
  });

  it("a username under attack is blocked for addresses that failed, not for a clean address", () => {
    const c = clock();
    const b = new AuthBackoff({ freeFailures: 2, baseMs: 10_000, hashesPerSecond: 1000, now: c.now });
    // one failure each from many addresses: no address reaches its own limit
    for (let i = 0; i < 4; i++) b.fail(`10.0.1.${i}`, "dev-1");
    expect(b.check("10.0.1.0", "dev-1")).toBe("backoff"); // failed before, username blocked
    expect(b.check("10.0.9.9", "dev-1")).toBeUndefined(); // the device itself, elsewhere
  });

  it("a correct password clears the address and the username", () => {
    const c = clock();
    const b = new AuthBackoff({ freeFailures: 1, hashesPerSecond: 1000, now: c.now });
    b.fail("a", "u");
    b.succeed("a", "u");
    expect(b.fail("a", "u")).toBe(0);
  });

  it("password checks share a global budget: beyond it, busy (CONNACK 3) without hashing", () => {
    const c = clock();
    const b = new AuthBackoff({ hashesPerSecond: 2, now: c.now });
    const answers = Array.from({ length: 6 }, (_, i) => b.check(`10.0.2.${i}`, `dev-${i}`));
    expect(answers.filter((a) => a === undefined)).toHaveLength(4); // burst = 2 s of budget
    expect(answers.slice(4)).toEqual(["busy", "busy"]);
    c.advance(500);
    expect(b.check("10.0.3.1", "dev-9")).toBeUndefined();
  });

  it("keeps at most maxKeys keys (the oldest forgotten) and forgets quiet keys", () => {
    const c = clock();
    const b = new AuthBackoff({
      freeFailures: 0,
      baseMs: 60_000,
      maxKeys: 4,
      forgetMs: 10_000,
      hashesPerSecond: 1000,
      now: c.now,
    });
    b.fail("first", "u0");
    for (let i = 1; i <= 3; i++) b.fail(`a${i}`, `u${i}`);
    expect(b.check("first", "other")).toBeUndefined(); // evicted
    expect(b.check("a3", "other")).toBe("backoff");
    c.advance(70_000);
    expect(b.check("a3", "other")).toBeUndefined();
  });
});

describe("client id bound to the device id", () => {
  it("is the device id or {id}.{suffix}, never another id sharing a prefix", () => {
    expect(clientIdAllowed("meter-1", "meter-1")).toBe(true);
    expect(clientIdAllowed("meter-1.diag", "meter-1")).toBe(true);
    expect(clientIdAllowed("meter-1", "meter")).toBe(false);
    expect(clientIdAllowed("meter-1.", "meter-1")).toBe(false);
    expect(clientIdAllowed("meter-1.a.b", "meter-1")).toBe(false);
    expect(clientIdAllowed("mqttjs_1234", "meter-1")).toBe(false);
    expect(clientIdAllowed("", "meter-1")).toBe(false);
  });
});

describe("refusal log budget", () => {
  it("logs perWindow lines per reason, the last saying so; the next window says how many were left out", () => {
    const c = clock();
    const b = new RefusalLogBudget(3, 60_000, c.now);
    expect(b.take("client_id")).toEqual({});
    expect(b.take("client_id")).toEqual({});
    expect(b.take("client_id")?.more).toMatch(/counted, not logged/);
    for (let i = 0; i < 7; i++) expect(b.take("client_id")).toBeUndefined();
    expect(b.take("undeclared")).toEqual({}); // another reason has its own budget
    c.advance(60_000);
    expect(b.take("client_id")).toEqual({ notLogged: 7 });
  });
});
