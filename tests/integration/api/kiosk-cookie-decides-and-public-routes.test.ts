/**
 * Attacker review of issue 12 (src/api/auth.ts), through inject() on the real app, real SQLite:
 *  - an installer who logged in from the kiosk's browser: on kiosk routes the `qh_kiosk` cookie
 *    decides, not the console session beside it (its scope is the terminal's; once revoked the
 *    screen is refused even with the session), and the kiosk's poll never keeps the installer's
 *    session alive (its idle time runs on);
 *  - public routes (whoami, openapi.json, login) ignore a wrong Authorization header (no 401),
 *    and such requests do not count against the API token guard.
 */
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
  app.get<{ Params: { terminal: string } }>("/kiosk/:terminal/status", async (req) => ({
    terminal: req.params.terminal,
    via: req.qhPrincipal?.scope,
  }));
  app.get("/info", async () => ({ gateway: "gw-test" }));
};

function pairOf(res: { headers: Record<string, unknown> }, name: string): string {
  const raw = res.headers["set-cookie"];
  const all = (Array.isArray(raw) ? raw : raw ? [raw] : []) as string[];
  const c = all.find((x) => x.startsWith(`${name}=`));
  if (!c) throw new Error(`no ${name} cookie`);
  return c.split(";")[0]!;
}

describe("kiosk cookie beside a console session; public routes and wrong credentials", () => {
  const t = useTempDb();
  let app: FastifyInstance;
  let mono = 0;
  let auth: ApiAuth;
  const wall = Date.parse("2026-11-30T12:00:00Z");

  beforeEach(async () => {
    mono = 0;
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

  async function bothCookies(): Promise<string> {
    const code = await app.inject({
      method: "POST",
      url: "/api/v1/terminals/kiosk-a/pairing",
      headers: BEARER,
      payload: {},
    });
    const paired = await app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode: code.json().pairingCode },
    });
    expect(paired.statusCode).toBe(204);
    const login = await app.inject({ method: "POST", url: "/api/v1/session", payload: { token: TOKEN } });
    expect(login.statusCode).toBe(204);
    return `${pairOf(paired, "qh_kiosk")}; ${pairOf(login, "qh_console")}`;
  }

  it("on kiosk routes the kiosk cookie decides, not the console session beside it", async () => {
    const cookie = await bothCookies();
    const own = await app.inject({ url: "/api/v1/kiosk/kiosk-a/status", headers: { cookie } });
    expect(own.statusCode).toBe(200);
    expect(own.json().via).toBe("kiosk");
    // another terminal's routes: the screen's scope, whatever session sits beside it
    const other = await app.inject({ url: "/api/v1/kiosk/kiosk-b/status", headers: { cookie } });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe("QH_API_SCOPE");
    // the installer's routes still see the session (the console in the same browser)
    expect((await app.inject({ url: "/api/v1/info", headers: { cookie } })).statusCode).toBe(200);
  });

  it("a revoked kiosk cookie is refused even with a live console session beside it", async () => {
    const cookie = await bothCookies();
    const revoke = await app.inject({
      method: "DELETE",
      url: "/api/v1/terminals/kiosk-a/credential",
      headers: BEARER,
    });
    expect(revoke.statusCode).toBeLessThan(300);
    const r = await app.inject({ url: "/api/v1/kiosk/kiosk-a/status", headers: { cookie } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("QH_KIOSK_UNPAIRED");
  });

  it("the kiosk's poll never refreshes the installer's idle time", async () => {
    const cookie = await bothCookies();
    const session = cookie.split("; ")[1]!;
    const idle = auth.sessions.idleMs;
    // the kiosk polls for most of the idle time, with both cookies and with the session alone
    for (let i = 0; i < 4; i++) {
      mono += idle / 4 - 1;
      expect(
        (await app.inject({ url: "/api/v1/kiosk/kiosk-a/status", headers: { cookie } })).statusCode,
      ).toBe(200);
      expect(
        (await app.inject({ url: "/api/v1/kiosk/kiosk-a/status", headers: { cookie: session } })).statusCode,
      ).toBe(200);
    }
    mono += 10;
    // idle time counted from the login: the session is over
    const info = await app.inject({ url: "/api/v1/info", headers: { cookie: session } });
    expect(info.statusCode).toBe(401);
  });

  it("public routes ignore a wrong Authorization header and do not count it as a guess", async () => {
    const cookie = (await bothCookies()).split("; ")[0]!;
    for (let i = 0; i < 30; i++) {
      const who = await app.inject({
        url: "/api/v1/kiosk/kiosk-a/whoami",
        headers: { cookie, authorization: "Basic eDp5" },
      });
      expect(who.statusCode, who.body).toBe(200);
      expect(who.json()).toMatchObject({ terminal: "kiosk-a", paired: true });
      const doc = await app.inject({
        url: "/api/v1/openapi.json",
        headers: { authorization: "Bearer wrong-token-0123456789" },
      });
      expect(doc.statusCode).toBe(200);
    }
    // 60 wrong headers on public routes: the token guard has counted none of them
    const wrong = await app.inject({ url: "/api/v1/info", headers: { authorization: "Bearer nope" } });
    expect(wrong.statusCode).toBe(401);
    expect((await app.inject({ url: "/api/v1/info", headers: BEARER })).statusCode).toBe(200);
  });
});
