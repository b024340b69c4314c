/**
 * Who may call /api/v1 (src/api/auth.ts), through fastify's inject() on the real app and a real
 * SQLite store in a temp dir:
 *  - the installer: bearer token, or the qh_console session cookie from POST /session (idle expiry,
 *    logout); no token / wrong token 401; wrong tokens from one address are slowed (429 + Retry-After);
 *  - a kiosk terminal: a one-time pairing code (POST /terminals/{t}/pairing), entered at
 *    POST /kiosk/{t}/pair, gives an HttpOnly SameSite=Strict qh_kiosk cookie stored hashed; it works
 *    on its own terminal's kiosk routes only (403 QH_API_SCOPE on installer routes and on another
 *    terminal's), is 401 QH_KIOSK_UNPAIRED once revoked or expired; pairing codes are one-time,
 *    expire, and their guessing is limited per address (and per code: pairing-guessing-*.test.ts).
 * The kiosk routes here are stand-ins with the real route patterns (the scope rule is decided on the
 * pattern); tests/integration/api/kiosk-pairing-on-a-locker-site.test.ts runs the real locker's.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { ApiAuth } from "../../../src/api/auth.js";
import { TerminalCredentials } from "../../../src/store/terminal-credentials.js";
import { useTempDb } from "../../helpers/temp-db.js";

const TOKEN = "installer-token-0123456789";
const BEARER = { authorization: `Bearer ${TOKEN}` };

const standIn: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { terminal: string } }>("/kiosk/:terminal/availability", async (req) => ({
    terminal: req.params.terminal,
  }));
  app.get("/locker/compartments", async () => ({ compartments: [] }));
  app.get("/info", async () => ({ gateway: "gw-test" }));
};

function cookieOf(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  const raw = res.headers["set-cookie"];
  const all = (Array.isArray(raw) ? raw : raw ? [raw] : []) as string[];
  return all.find((c) => c.startsWith(`${name}=`));
}

function cookiePair(setCookie: string): string {
  return setCookie.split(";")[0]!;
}

describe("API auth: console sessions, kiosk pairing, scopes", () => {
  const t = useTempDb();
  let app: FastifyInstance;
  let mono = 0;
  let wall = Date.parse("2026-11-30T12:00:00Z");
  let auth: ApiAuth;

  beforeEach(async () => {
    mono = 0;
    wall = Date.parse("2026-11-30T12:00:00Z");
    auth = new ApiAuth({
      token: TOKEN,
      credentials: new TerminalCredentials(t.db, () => wall),
      terminals: () => ["kiosk-a", "kiosk-b"],
      mono: () => mono,
      now: () => wall,
    });
    app = await buildApp({
      registry: new Registry(),
      health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
      token: TOKEN,
      auth,
      apiPlugins: [standIn],
    });
  });
  afterEach(async () => {
    await app.close();
  });

  async function pairScreen(terminal: string): Promise<string> {
    const code = await app.inject({
      method: "POST",
      url: `/api/v1/terminals/${terminal}/pairing`,
      headers: BEARER,
      payload: {},
    });
    expect(code.statusCode).toBe(200);
    const { pairingCode } = code.json() as { pairingCode: string };
    const paired = await app.inject({
      method: "POST",
      url: `/api/v1/kiosk/${terminal}/pair`,
      payload: { pairingCode },
    });
    expect(paired.statusCode).toBe(204);
    return cookiePair(cookieOf(paired, "qh_kiosk")!);
  }

  it("installer: no credential 401, wrong bearer 401, right bearer 200", async () => {
    const none = await app.inject({ url: "/api/v1/info" });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe("QH_API_UNAUTHORIZED");
    const wrong = await app.inject({ url: "/api/v1/info", headers: { authorization: "Bearer nope" } });
    expect(wrong.statusCode).toBe(401);
    const right = await app.inject({ url: "/api/v1/info", headers: BEARER });
    expect(right.statusCode).toBe(200);
  });

  it("console login: 204 with an HttpOnly SameSite=Strict cookie that works until logout", async () => {
    const bad = await app.inject({ method: "POST", url: "/api/v1/session", payload: { token: "nope" } });
    expect(bad.statusCode).toBe(401);
    expect(cookieOf(bad, "qh_console")).toBeUndefined();
    const login = await app.inject({ method: "POST", url: "/api/v1/session", payload: { token: TOKEN } });
    expect(login.statusCode).toBe(204);
    const set = cookieOf(login, "qh_console")!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toContain(TOKEN);
    const cookie = cookiePair(set);
    const who = await app.inject({ url: "/api/v1/session", headers: { cookie } });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ scope: "installer", via: "session" });
    expect((await app.inject({ url: "/api/v1/info", headers: { cookie } })).statusCode).toBe(200);
    const out = await app.inject({ method: "DELETE", url: "/api/v1/session", headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(cookieOf(out, "qh_console")).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await app.inject({ url: "/api/v1/session", headers: { cookie } })).statusCode).toBe(401);
    expect((await app.inject({ url: "/api/v1/info", headers: { cookie } })).statusCode).toBe(401);
  });

  it("a console session ends after its idle time; using it keeps it alive", async () => {
    const login = await app.inject({ method: "POST", url: "/api/v1/session", payload: { token: TOKEN } });
    const cookie = cookiePair(cookieOf(login, "qh_console")!);
    mono += auth.sessions.idleMs - 1000;
    expect((await app.inject({ url: "/api/v1/info", headers: { cookie } })).statusCode).toBe(200);
    mono += auth.sessions.idleMs - 1000;
    expect((await app.inject({ url: "/api/v1/info", headers: { cookie } })).statusCode).toBe(200);
    mono += auth.sessions.idleMs + 1;
    expect((await app.inject({ url: "/api/v1/info", headers: { cookie } })).statusCode).toBe(401);
  });

  it("login refuses a token that is not a string (no coercion) with a schema error", async () => {
    const r = await app.inject({ method: "POST", url: "/api/v1/session", payload: { token: 12345678 } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe("QH_API_INVALID");
    const extra = await app.inject({
      method: "POST",
      url: "/api/v1/session",
      payload: { token: TOKEN, x: 1 },
    });
    expect(extra.statusCode).toBe(400);
  });

  it("wrong tokens from one address are slowed: 429 with Retry-After, even for the right token, until the wait is over", async () => {
    for (let i = 0; i < 10; i++) {
      const r = await app.inject({
        method: "POST",
        url: "/api/v1/session",
        payload: { token: `wrong-${i}` },
      });
      expect(r.statusCode).toBe(401);
    }
    const eleventh = await app.inject({
      method: "POST",
      url: "/api/v1/session",
      payload: { token: "wrong-x" },
    });
    expect(eleventh.statusCode).toBe(401);
    const closed = await app.inject({ url: "/api/v1/info", headers: BEARER });
    expect(closed.statusCode).toBe(429);
    expect(closed.json().error.code).toBe("QH_API_GUESSING");
    expect(closed.headers["retry-after"]).toBe("1");
    const login = await app.inject({ method: "POST", url: "/api/v1/session", payload: { token: TOKEN } });
    expect(login.statusCode).toBe(429);
    mono += 1001;
    expect((await app.inject({ url: "/api/v1/info", headers: BEARER })).statusCode).toBe(200);
  });

  it("pairing: a one-time code gives the screen a kiosk cookie, stored only hashed", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/terminals/kiosk-a/pairing",
      headers: BEARER,
      payload: {},
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { pairingCode: string; expiresAt: string; terminal: string; pairUrl: string };
    expect(body.pairingCode).toMatch(/^[0-9]{8}$/);
    expect(Date.parse(body.expiresAt)).toBe(wall + 10 * 60_000);
    expect(body.pairUrl).toBe("/kiosk/kiosk-a");
    const unpaired = await app.inject({ url: "/api/v1/kiosk/kiosk-a/whoami" });
    expect(unpaired.statusCode).toBe(401);
    expect(unpaired.json().error.code).toBe("QH_KIOSK_UNPAIRED");
    const paired = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode: body.pairingCode },
    });
    expect(paired.statusCode).toBe(204);
    const set = cookieOf(paired, "qh_kiosk")!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Max-Age=31536000/);
    const cookie = cookiePair(set);
    const who = await app.inject({ url: "/api/v1/kiosk/kiosk-a/whoami", headers: { cookie } });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toEqual({ terminal: "kiosk-a", paired: true });
    // stored hashed: the secret is nowhere in the database
    const secret = cookie.split(".")[1]!;
    const rows = t.db.prepare("SELECT * FROM terminal_credentials").all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0]!.secret_sha256).toBe(createHash("sha256").update(secret).digest("hex"));
    // one-time: the same code again is refused
    const again = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode: body.pairingCode },
    });
    expect(again.statusCode).toBe(403);
    expect(again.json().error.code).toBe("QH_KIOSK_PAIRING_CODE_WRONG");
    const list = await app.inject({ url: "/api/v1/terminals", headers: BEARER });
    expect(list.json().terminals).toEqual([
      expect.objectContaining({ id: "kiosk-a", paired: true, pairingPending: false }),
      { id: "kiosk-b", paired: false, pairingPending: false },
    ]);
  });

  it("kiosk credential scope: its own kiosk routes 200; installer routes and another terminal's 403 QH_API_SCOPE", async () => {
    const cookie = await pairScreen("kiosk-a");
    const own = await app.inject({ url: "/api/v1/kiosk/kiosk-a/availability", headers: { cookie } });
    expect(own.statusCode).toBe(200);
    for (const url of [
      "/api/v1/kiosk/kiosk-b/availability",
      "/api/v1/locker/compartments",
      "/api/v1/info",
      "/api/v1/terminals",
    ]) {
      const r = await app.inject({ url, headers: { cookie } });
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code, url).toBe("QH_API_SCOPE");
    }
    const pairB = await app.inject({
      method: "POST",
      url: "/api/v1/terminals/kiosk-b/pairing",
      headers: { cookie },
      payload: {},
    });
    expect(pairB.statusCode).toBe(403);
    const revokeOwn = await app.inject({
      method: "DELETE",
      url: "/api/v1/terminals/kiosk-a/credential",
      headers: { cookie },
    });
    expect(revokeOwn.statusCode).toBe(403);
    // the kiosk cookie is not a console session
    expect((await app.inject({ url: "/api/v1/session", headers: { cookie } })).statusCode).toBe(401);
    // whoami at another terminal: not paired there
    const other = await app.inject({ url: "/api/v1/kiosk/kiosk-b/whoami", headers: { cookie } });
    expect(other.statusCode).toBe(401);
    expect(other.json().error.details).toEqual({ reason: "other_terminal" });
    // the installer's bearer token stays allowed on kiosk routes (CLI sim, tests)
    expect(
      (await app.inject({ url: "/api/v1/kiosk/kiosk-b/availability", headers: BEARER })).statusCode,
    ).toBe(200);
  });

  it("a revoked credential is 401 QH_KIOSK_UNPAIRED on its kiosk routes; pairing again replaces the old one", async () => {
    const first = await pairScreen("kiosk-a");
    const second = await pairScreen("kiosk-a");
    const replaced = await app.inject({
      url: "/api/v1/kiosk/kiosk-a/availability",
      headers: { cookie: first },
    });
    expect(replaced.statusCode).toBe(401);
    expect(replaced.json().error).toMatchObject({
      code: "QH_KIOSK_UNPAIRED",
      details: { reason: "revoked" },
    });
    expect(
      (await app.inject({ url: "/api/v1/kiosk/kiosk-a/availability", headers: { cookie: second } }))
        .statusCode,
    ).toBe(200);
    const revoke = await app.inject({
      method: "DELETE",
      url: "/api/v1/terminals/kiosk-a/credential",
      headers: BEARER,
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json()).toEqual({ terminal: "kiosk-a", revoked: 1 });
    const after = await app.inject({
      url: "/api/v1/kiosk/kiosk-a/availability",
      headers: { cookie: second },
    });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe("QH_KIOSK_UNPAIRED");
    expect(
      (await app.inject({ url: "/api/v1/kiosk/kiosk-a/whoami", headers: { cookie: second } })).json().error
        .details,
    ).toEqual({ reason: "revoked" });
  });

  it("an expired credential is 401 QH_KIOSK_UNPAIRED (reason expired)", async () => {
    const cookie = await pairScreen("kiosk-b");
    wall += auth.kioskCredentialMs + 1;
    const r = await app.inject({ url: "/api/v1/kiosk/kiosk-b/availability", headers: { cookie } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error).toMatchObject({ code: "QH_KIOSK_UNPAIRED", details: { reason: "expired" } });
  });

  it("a forged kiosk cookie (right id, wrong secret) is refused", async () => {
    const cookie = await pairScreen("kiosk-a");
    const forged = `${cookie.split(".")[0]}.${"A".repeat(43)}`;
    const r = await app.inject({ url: "/api/v1/kiosk/kiosk-a/availability", headers: { cookie: forged } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.details).toEqual({ reason: "unknown" });
  });

  it("pairing codes expire, and wrong ones are slowed per address", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/terminals/kiosk-a/pairing",
      headers: BEARER,
      payload: {},
    });
    const { pairingCode } = res.json() as { pairingCode: string };
    mono += 10 * 60_000 + 1;
    const late = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode },
    });
    expect(late.statusCode).toBe(403);
    const fresh = (
      await app.inject({
        method: "POST",
        url: "/api/v1/terminals/kiosk-a/pairing",
        headers: BEARER,
        payload: {},
      })
    ).json() as { pairingCode: string };
    const wrong = fresh.pairingCode === "00000000" ? "00000001" : "00000000";
    // 1 late + 4 wrong = 5 free failures; the 6th closes the terminal
    for (let i = 0; i < 5; i++) {
      const r = await app.inject({
        method: "POST",
        url: "/api/v1/kiosk/kiosk-a/pair",
        payload: { pairingCode: wrong },
      });
      expect(r.statusCode).toBe(403);
    }
    const closed = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode: fresh.pairingCode },
    });
    expect(closed.statusCode).toBe(429);
    expect(closed.json().error.code).toBe("QH_API_GUESSING");
    expect(closed.headers["retry-after"]).toBe("1");
    // the address is closed for every terminal; another address is not affected
    const b = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-b/pair",
      payload: { pairingCode: wrong },
    });
    expect(b.statusCode).toBe(429);
    const elsewhere = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-b/pair",
      payload: { pairingCode: wrong },
      remoteAddress: "10.0.0.9",
    });
    expect(elsewhere.statusCode).toBe(403);
    mono += 1001;
    const ok = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode: fresh.pairingCode },
    });
    expect(ok.statusCode).toBe(204);
  });

  it("pairing refuses unknown terminals (404), a code that is not 8 digits or not a string (400), and needs the installer", async () => {
    const unknown = await app.inject({
      method: "POST",
      url: "/api/v1/terminals/kiosk-z/pairing",
      headers: BEARER,
      payload: {},
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("QH_LOCKER_TERMINAL_UNKNOWN");
    expect(
      (
        await app.inject({
          method: "POST",
          url: "/api/v1/kiosk/kiosk-z/pair",
          payload: { pairingCode: "12345678" },
        })
      ).statusCode,
    ).toBe(404);
    expect((await app.inject({ url: "/api/v1/kiosk/kiosk-z/whoami" })).statusCode).toBe(404);
    for (const pairingCode of [12345678, "1234567", "abcdefgh", "123456789"]) {
      const r = await app.inject({
        method: "POST",
        url: "/api/v1/kiosk/kiosk-a/pair",
        payload: { pairingCode },
      });
      expect(r.statusCode, String(pairingCode)).toBe(400);
      expect(r.json().error.code).toBe("QH_API_INVALID");
    }
    const body = await app.inject({
      method: "POST",
      url: "/api/v1/terminals/kiosk-a/pairing",
      headers: BEARER,
      payload: { ttl: 5 },
    });
    expect(body.statusCode).toBe(400);
    expect(
      (await app.inject({ method: "POST", url: "/api/v1/terminals/kiosk-a/pairing", payload: {} }))
        .statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ method: "DELETE", url: "/api/v1/terminals/kiosk-a/credential" })).statusCode,
    ).toBe(401);
    expect((await app.inject({ url: "/api/v1/terminals" })).statusCode).toBe(401);
    const noType = await app.inject({
      method: "POST",
      url: "/api/v1/session",
      payload: `{"token":"${TOKEN}"}`,
      headers: { "content-type": "text/plain" },
    });
    // a cross-site form can send text/plain only: never taken as JSON, no session
    expect(noType.statusCode).toBe(400);
    expect(cookieOf(noType, "qh_console")).toBeUndefined();
  });

  it("the credentials survive a restart (stored in SQLite)", async () => {
    const cookie = await pairScreen("kiosk-a");
    await app.close();
    const db = t.reopen();
    const auth2 = new ApiAuth({
      token: TOKEN,
      credentials: new TerminalCredentials(db, () => wall),
      terminals: () => ["kiosk-a"],
    });
    app = await buildApp({
      registry: new Registry(),
      health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
      token: TOKEN,
      auth: auth2,
      apiPlugins: [standIn],
    });
    expect((await app.inject({ url: "/api/v1/kiosk/kiosk-a/whoami", headers: { cookie } })).statusCode).toBe(
      200,
    );
  });
});
