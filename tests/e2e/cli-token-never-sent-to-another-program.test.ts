/**
 * Issue 8 (attacker's review): a command that reaches its gateway over HTTP (`sim`, `locker
 * compartments`, `vend`) must not hand `api.token` to whatever answers on `api.port` (a port moved
 * by a flag or QH_API_PORT, a stale variable in the shell, another program on 8080). The program
 * there first proves it holds the token (GET /whoami: an HMAC of a fresh nonce), and only then is
 * the token sent. Here a real HTTP server that answers like a quarterhour gateway of the same id
 * records every request: none carries the token, and the command exits 1 with QH_GATEWAY_MISMATCH.
 */
import { rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";

const dir = tempDir("qh-token-");
const TOKEN = "token-that-stays-home-0123456789";
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let impostor: Server;
let port: number;
let config: string;

beforeAll(async () => {
  port = await freePort();
  // answers every path like gw-home's API would, whatever the token (a recording proxy, a stale
  // test server, a gateway of the same id started with another config)
  impostor = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ gateway: "gw-home", site: "s", version: "0.1.0", bootId: "b", proof: "00" }));
  });
  await new Promise<void>((r) => impostor.listen(port, "127.0.0.1", () => r()));
  config = writeConfig(dir, {
    gateway: { id: "gw-home", site: "s" },
    dataDir: join(dir, "data"),
    simulate: true,
    uplink: { url: "embedded", embeddedPort: await freePort() },
    deviceBroker: { port: await freePort() },
    api: { port: await freePort(), token: TOKEN },
    buses: [
      {
        id: "bus-a",
        path: "sim://bus-a",
        protocol: "lockboard-xor",
        devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
      },
    ],
    locker: { terminals: [{ id: "kiosk-1", banks: ["locker-a"] }] },
  });
});
afterAll(async () => {
  await new Promise((r) => impostor.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe("the api token is never sent to a program that has not proved it holds it", () => {
  for (const [name, args, env] of [
    ["sim pickup, port moved by a flag", ["sim", "pickup", "123456", "--api-port", "PORT"], {}],
    ["sim courier-deposit, port moved by QH_API_PORT", ["sim", "courier-deposit"], { QH_API_PORT: "PORT" }],
    ["locker compartments, port moved by QH_API_PORT", ["locker", "compartments"], { QH_API_PORT: "PORT" }],
  ] as const) {
    it(name, async () => {
      seen.length = 0;
      const fill = (s: string) => s.replace("PORT", String(port));
      const r = await runCliAsync([...args.map(fill), "-c", config], {
        env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v)])),
      });
      expect(seen.length, "the command reached the program on the port").toBeGreaterThan(0);
      for (const s of seen) {
        expect(JSON.stringify(s.headers)).not.toContain(TOKEN);
        expect(s.url).not.toContain(TOKEN);
      }
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/error QH_GATEWAY_MISMATCH: .*does not prove it holds api\.token/);
      expect(r.stderr).not.toContain(TOKEN);
    });
  }
});
