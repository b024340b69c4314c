/**
 * Guessing kiosk pairing codes, as an attacker on the LAN would, through fastify's inject() on the
 * real app (remote addresses set per request) and a real SQLite credential store:
 *  - one address guessing codes for terminal kiosk-a is slowed (429) at that address only: the
 *    installer's screen at another address pairs kiosk-a with the real code at once (before the
 *    fix the guard was per terminal, so the attacker locked the installer out);
 *  - many addresses together get at most `pairingCodeMaxWrong` wrong guesses per code: then the
 *    code is spent (409 QH_KIOSK_PAIRING_CODE_SPENT, even for the right code: no oracle); a fresh
 *    code from the installer starts afresh and pairs.
 */
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { ApiAuth } from "../../../src/api/auth.js";
import { TerminalCredentials } from "../../../src/store/terminal-credentials.js";
import { useTempDb } from "../../helpers/temp-db.js";

const TOKEN = "installer-token-0123456789";
const BEARER = { authorization: `Bearer ${TOKEN}` };
const INSTALLER_SCREEN = "192.168.1.20";

describe("pairing codes under guessing: the attacker slowed, the installer not", () => {
  const t = useTempDb();
  let app: FastifyInstance;
  let mono = 0;

  beforeEach(async () => {
    mono = 0;
    const auth = new ApiAuth({
      token: TOKEN,
      credentials: new TerminalCredentials(t.db, () => Date.now()),
      terminals: () => ["kiosk-a"],
      mono: () => mono,
      pairingCodeMaxWrong: 40,
    });
    app = await buildApp({
      registry: new Registry(),
      health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
      token: TOKEN,
      auth,
      apiPlugins: [],
    });
  });
  afterEach(async () => {
    await app.close();
  });

  const newCode = async () =>
    (
      await app.inject({
        method: "POST",
        url: "/api/v1/terminals/kiosk-a/pairing",
        headers: BEARER,
        payload: {},
      })
    ).json().pairingCode as string;
  const pair = (pairingCode: string, remoteAddress: string) =>
    app.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode },
      remoteAddress,
    });
  const wrongFor = (code: string, i: number) => {
    const w = String(i).padStart(8, "0");
    return w === code ? String(i + 50_000_000).padStart(8, "0") : w;
  };

  it("an attacker at one address is slowed there; the installer's screen pairs with the real code", async () => {
    const code = await newCode();
    const answers: number[] = [];
    for (let i = 0; i < 20; i++) answers.push((await pair(wrongFor(code, i), "192.168.1.66")).statusCode);
    expect(answers.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(answers.slice(6)).toEqual(Array(14).fill(429));
    const blocked = await pair(code, "192.168.1.66");
    expect(blocked.statusCode).toBe(429); // the right code too, from the guessing address: no oracle
    expect(blocked.json().error.code).toBe("QH_API_GUESSING");

    const installer = await pair(code, INSTALLER_SCREEN);
    expect(installer.statusCode).toBe(204);
    expect(String(installer.headers["set-cookie"])).toMatch(/^qh_kiosk=/);
  });

  it("many addresses get at most pairingCodeMaxWrong guesses per code; then it is spent, and a fresh code pairs", async () => {
    const code = await newCode();
    let n = 0;
    // 10 addresses × 4 wrong guesses (under each address's free 5): the code's budget of 40 is used
    for (let a = 0; a < 10; a++)
      for (let i = 0; i < 4; i++)
        expect((await pair(wrongFor(code, n++), `10.0.0.${a + 1}`)).statusCode).toBe(403);
    const spent = await pair(code, "10.0.0.200"); // the right code, from a fresh address
    expect(spent.statusCode).toBe(409);
    expect(spent.json().error).toMatchObject({
      code: "QH_KIOSK_PAIRING_CODE_SPENT",
      details: { terminal: "kiosk-a", maxWrong: 40 },
    });
    expect(spent.json().error.hint).toMatch(/fresh code/);
    const list = await app.inject({ url: "/api/v1/terminals", headers: BEARER });
    expect(list.json().terminals[0]).toMatchObject({ id: "kiosk-a", paired: false, pairingPending: false });

    // the installer creates a fresh code: the old guesses do not count against it
    const fresh = await newCode();
    expect((await pair(wrongFor(fresh, 7), "10.0.0.201")).statusCode).toBe(403);
    const ok = await pair(fresh, INSTALLER_SCREEN);
    expect(ok.statusCode).toBe(204);
  });
});
