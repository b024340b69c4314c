/**
 * Issue 8 (attacker's review): `config check` must not say "config OK" (exit 0) for a config that
 * `start` then refuses for what the check can see without starting anything:
 *  - a data dir under a regular file (start: QH_PATH_INVALID) → exit 2 naming `dataDir`;
 *  - a listener on an address that is not on this host (start: QH_PORT_UNAVAILABLE) → exit 2
 *    naming `api.port`;
 *  - a port in use right now (by another program, or by this site's own running gateway) → still
 *    exit 0, with a `warning: api.port: …` line saying start would refuse it while it is taken.
 * Real CLI child processes; the busy port is a real listener in this process.
 */
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";

const dir = tempDir("qh-check-start-");
let busy: Server;
let busyPort: number;

async function site(over: Record<string, unknown>): Promise<string> {
  return writeConfig(dir, {
    gateway: { id: "gw-check", site: "s" },
    dataDir: join(dir, "data"),
    uplink: { url: "embedded", embeddedPort: await freePort() },
    deviceBroker: { host: "127.0.0.1", port: await freePort() },
    api: { host: "127.0.0.1", port: await freePort(), token: "check-token-0123456789" },
    ...over,
  });
}

beforeAll(async () => {
  busyPort = await freePort();
  busy = createServer();
  await new Promise<void>((r) => busy.listen(busyPort, "127.0.0.1", () => r()));
});
afterAll(async () => {
  await new Promise((r) => busy.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe("config check sees what start would refuse", () => {
  it("a data dir under a regular file: exit 2 naming dataDir", async () => {
    writeFileSync(join(dir, "a-file"), "x");
    const cfg = await site({ dataDir: join(dir, "a-file", "data") });
    const r = await runCliAsync(["config", "check", "-c", cfg]);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stderr).toMatch(/QH_CONFIG_INVALID/);
    expect(r.stderr).toMatch(/dataDir: .*a-file is not a directory/);
    expect(r.stdout).not.toMatch(/config OK/);
  });

  it("a listener on an address this host does not have: exit 2 naming api.port", async () => {
    const cfg = await site({});
    const r = await runCliAsync(["config", "check", "-c", cfg], {
      env: { QH_API_PORT: String(await freePort()) },
    });
    expect(r.status, r.stderr).toBe(0);
    const bad = await site({ api: { host: "192.0.2.77", port: 18080, token: "check-token-0123456789" } });
    const r2 = await runCliAsync(["config", "check", "-c", bad]);
    expect(r2.status, r2.stdout).toBe(2);
    expect(r2.stderr).toMatch(/api\.port: cannot listen on 192\.0\.2\.77:18080 \(EADDRNOTAVAIL\)/);
  });

  it("a port in use now: exit 0 with a warning naming the key", async () => {
    const cfg = await site({});
    const r = await runCliAsync(["config", "check", "-c", cfg, "--api-port", String(busyPort)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/config OK/);
    expect(r.stdout).toMatch(
      new RegExp(
        `warning: api\\.port: 127\\.0\\.0\\.1:${busyPort} is in use now .*start refuses it while it is`,
      ),
    );
  });
});
