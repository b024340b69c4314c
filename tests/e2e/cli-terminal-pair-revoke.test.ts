/**
 * `quarterhour terminal pair T` and `terminal revoke T` against a gateway running as a child
 * process (simulated demo locker bank): the code printed pairs a screen (the kiosk cookie works on
 * the kiosk route), revoke makes that cookie 401 QH_KIOSK_UNPAIRED; an unknown terminal is a coded
 * error naming the declared ones (exit 2); no gateway running is QH_GATEWAY_UNREACHABLE (exit 1). The demo
 * (simulate: true) prints the console URL and a pairing code per terminal at start, and that code
 * pairs too.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCliAsync, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";

const dir = tempDir("qh-cli-terminal-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("quarterhour terminal pair / revoke", { timeout: 180_000 }, () => {
  it("pairs a screen with the printed code, revokes it, refuses unknown terminals", async () => {
    const apiPort = await freePort();
    const config = writeConfig(dir, {
      gateway: { id: "gw-term", site: "s" },
      dataDir: `${dir}/data`,
      simulate: true,
      deviceBroker: { host: "127.0.0.1", port: 0 },
      uplink: { url: "embedded", embeddedPort: await freePort() },
      api: { host: "127.0.0.1", port: apiPort, token: "term-token-0123456789" },
      buses: [
        {
          id: "bus-a",
          path: "sim://bus-a",
          protocol: "lockboard-xor",
          devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
        },
      ],
      locker: { terminals: [{ id: "kiosk-a", banks: ["locker-a"] }] },
    });
    const unreachable = await runCliAsync(["terminal", "pair", "kiosk-a", "--config", config]);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toMatch(/QH_GATEWAY_UNREACHABLE/);

    const gw = await startGatewayProcess(config);
    try {
      const base = `http://127.0.0.1:${apiPort}`;
      // the demo's start lines: the console URL, and kiosk-a's demo pairing code
      const log = gw.logs.join("\n");
      expect(log).toContain(`installer console: ${base}/`);
      const demo = /kiosk kiosk-a: open \S+ and enter pairing code (\d{8}) \(demo only/.exec(log);
      expect(demo, log).not.toBeNull();

      const pair = await runCliAsync(["terminal", "pair", "kiosk-a", "--config", config]);
      expect(pair.status, pair.stderr).toBe(0);
      const code = /pairing code for kiosk-a: (\d{8})/.exec(pair.stdout)?.[1];
      expect(code, pair.stdout).toBeDefined();
      expect(pair.stdout).toContain(`open ${base}/kiosk/kiosk-a`);

      const paired = await fetch(`${base}/api/v1/kiosk/kiosk-a/pair`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ pairingCode: code }),
      });
      expect(paired.status).toBe(204);
      const cookie = paired.headers.get("set-cookie")!.split(";")[0]!;
      const avail = await fetch(`${base}/api/v1/kiosk/kiosk-a/availability`, { headers: { cookie } });
      expect(avail.status).toBe(200);

      const revoke = await runCliAsync(["terminal", "revoke", "kiosk-a", "--json", "--config", config]);
      expect(revoke.status, revoke.stderr).toBe(0);
      expect(JSON.parse(revoke.stdout)).toEqual({ terminal: "kiosk-a", revoked: 1 });
      const after = await fetch(`${base}/api/v1/kiosk/kiosk-a/availability`, { headers: { cookie } });
      expect(after.status).toBe(401);
      expect(((await after.json()) as { error: { code: string } }).error.code).toBe("QH_KIOSK_UNPAIRED");

      // the demo code printed at start pairs as well (reusable while the demo runs)
      const demoPaired = await fetch(`${base}/api/v1/kiosk/kiosk-a/pair`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ pairingCode: demo![1] }),
      });
      expect(demoPaired.status).toBe(204);

      const unknown = await runCliAsync(["terminal", "pair", "kiosk-z", "--config", config]);
      expect(unknown.status).toBe(2); // a wrong argument: usage
      expect(unknown.stderr).toMatch(/QH_LOCKER_TERMINAL_UNKNOWN/);
      expect(unknown.stderr).toMatch(/declared: kiosk-a/);
    } finally {
      gw.proc.kill("SIGTERM");
      await exited(gw.proc);
    }
  });
});
