/**
 * `api.trustProxy` (attacker review of issue 12), on the real app through inject() from a given
 * peer address:
 *  - without it, X-Forwarded-Proto / X-Forwarded-For are ignored: no `Secure` cookie, every client
 *    behind a proxy shares the proxy's address for the token guard (as before);
 *  - with the proxy's address listed, `X-Forwarded-Proto: https` gives `Secure` cookies (login
 *    and pairing) and `X-Forwarded-For` is the client's address for the guessing guard (one
 *    client's wrong tokens do not close the installer's at another address);
 *  - a peer not listed is not believed; a bad entry is QH_CONFIG_INVALID naming api.trustProxy[i].
 */
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { ApiAuth } from "../../../src/api/auth.js";
import { validateConfig } from "../../../src/config/load.js";
import { TerminalCredentials } from "../../../src/store/terminal-credentials.js";
import { useTempDb } from "../../helpers/temp-db.js";

const TOKEN = "installer-token-0123456789";
const PROXY = "10.9.8.7";

describe("api.trustProxy: Secure cookies and client addresses behind a reverse proxy", () => {
  const t = useTempDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(trustProxy?: string[]): Promise<FastifyInstance> {
    const auth = new ApiAuth({
      token: TOKEN,
      credentials: new TerminalCredentials(t.db),
      terminals: () => ["kiosk-a"],
    });
    app = await buildApp({
      registry: new Registry(),
      health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
      token: TOKEN,
      auth,
      ...(trustProxy ? { trustProxy } : {}),
    });
    return app;
  }

  const login = (a: FastifyInstance, from: string, headers: Record<string, string>, token = TOKEN) =>
    a.inject({ method: "POST", url: "/api/v1/session", remoteAddress: from, headers, payload: { token } });
  const setCookie = (r: { headers: Record<string, unknown> }) => String(r.headers["set-cookie"] ?? "");

  it("without api.trustProxy the forwarded headers are ignored", async () => {
    const a = await start();
    const r = await login(a, PROXY, { "x-forwarded-proto": "https" });
    expect(r.statusCode).toBe(204);
    expect(setCookie(r)).not.toMatch(/Secure/);
    // two clients behind the proxy share its address: one's guesses close the other
    for (let i = 0; i < 12; i++)
      await login(a, PROXY, { "x-forwarded-for": "192.168.1.50" }, "wrong-token-0123456789");
    const guarded = await login(a, PROXY, { "x-forwarded-for": "192.168.1.60" });
    expect(guarded.statusCode).toBe(429);
  });

  it("with the proxy listed: Secure cookies over https and the client's own address", async () => {
    const a = await start([PROXY, "127.0.0.1"]);
    const secure = await login(a, PROXY, { "x-forwarded-proto": "https" });
    expect(secure.statusCode).toBe(204);
    expect(setCookie(secure)).toMatch(/qh_console=[^;]+;.*Secure/);
    const plain = await login(a, PROXY, { "x-forwarded-proto": "http" });
    expect(setCookie(plain)).not.toMatch(/Secure/);
    // pairing's cookie too
    const code = await a.inject({
      method: "POST",
      url: "/api/v1/terminals/kiosk-a/pairing",
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: {},
    });
    const paired = await a.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      remoteAddress: PROXY,
      headers: { "x-forwarded-proto": "https" },
      payload: { pairingCode: code.json().pairingCode },
    });
    expect(paired.statusCode).toBe(204);
    expect(setCookie(paired)).toMatch(/qh_kiosk=[^;]+;.*Secure/);
    // a guesser behind the proxy is closed; the installer at another address is not
    for (let i = 0; i < 12; i++)
      await login(a, PROXY, { "x-forwarded-for": "192.168.1.50" }, "wrong-token-0123456789");
    expect((await login(a, PROXY, { "x-forwarded-for": "192.168.1.50" })).statusCode).toBe(429);
    expect((await login(a, PROXY, { "x-forwarded-for": "192.168.1.60" })).statusCode).toBe(204);
  });

  it("a peer that is not a listed proxy is not believed", async () => {
    const a = await start([PROXY]);
    const r = await login(a, "10.9.8.8", { "x-forwarded-proto": "https" });
    expect(r.statusCode).toBe(204);
    expect(setCookie(r)).not.toMatch(/Secure/);
  });

  it("a bad entry is a config error naming its key path", async () => {
    const base = { gateway: { id: "gw-test", site: "s" }, uplink: { url: "mqtt://127.0.0.1:1" } };
    expect(
      validateConfig({ ...base, api: { trustProxy: ["10.0.0.0/8", "loopback"] } }).api.trustProxy,
    ).toEqual(["10.0.0.0/8", "loopback"]);
    expect(() => validateConfig({ ...base, api: { trustProxy: ["proxy.lan"] } })).toThrow(/api\.trustProxy/);
    await expect(start(["999.1.1.1"])).rejects.toMatchObject({
      code: "QH_CONFIG_INVALID",
      message: expect.stringContaining("api.trustProxy[0]"),
    });
    await expect(start(["10.0.0.0/33"])).rejects.toMatchObject({ code: "QH_CONFIG_INVALID" });
  });
});
