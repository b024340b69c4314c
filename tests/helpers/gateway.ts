import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { silentLogger } from "../../src/core/logger.js";
import { type Gateway, type GatewayOptions, startGateway } from "../../src/gateway.js";

export function tempDir(prefix = "qh-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `devices:` entries declaring MQTT devices of model generic-mqtt (the device broker admits only those). */
export function mqttDevices(...ids: string[]): { id: string; model: string }[] {
  return ids.map((id) => ({ id, model: "generic-mqtt" }));
}

/** A valid config for tests: random ports, a temp data dir, the given upstream. */
export function testConfig(
  uplinkUrl: string,
  extra: Record<string, unknown> = {},
  dataDir = tempDir(),
): Config {
  const { uplink, ...rest } = extra as { uplink?: Record<string, unknown> };
  return validateConfig({
    gateway: { id: "gw-test", site: "test-site" },
    dataDir,
    deviceBroker: { host: "127.0.0.1", port: 0 },
    uplink: { url: uplinkUrl, reconnect: { minMs: 50, maxMs: 300 }, ...uplink },
    api: { host: "127.0.0.1", port: 0, token: "test-token-0123456789" },
    buses: [],
    devices: [],
    ...rest,
  });
}

export async function startTestGateway(
  config: Config,
  opts: Partial<GatewayOptions> = {},
): Promise<Gateway & { cleanup(): Promise<void> }> {
  const gw = await startGateway({ config, log: silentLogger(), ...opts });
  return Object.assign(gw, {
    cleanup: async () => {
      await gw.stop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  });
}
