import { existsSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/config/load.js";
import { isQhError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { checkPortsFree } from "../../../src/core/ports.js";
import { startGateway } from "../../../src/gateway.js";
import { tempDir } from "../../helpers/gateway.js";
import { freePort } from "../../helpers/upstream.js";

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

async function occupy(): Promise<number> {
  const port = await freePort();
  const s = createServer();
  await new Promise<void>((r) => s.listen(port, "127.0.0.1", () => r()));
  servers.push(s);
  return port;
}

describe("listening ports are checked before anything starts", () => {
  it("a free port and port 0 pass; each taken port is named by its key, with how to move it", async () => {
    const free = await freePort();
    await expect(
      checkPortsFree([{ key: "api.port", host: "127.0.0.1", port: free }]),
    ).resolves.toBeUndefined();
    const taken = await occupy();
    await expect(checkPortsFree([{ key: "x.port", host: "127.0.0.1", port: 0 }])).resolves.toBeUndefined();
    const err = await checkPortsFree(
      [
        { key: "deviceBroker.port", host: "127.0.0.1", port: free },
        { key: "api.port", host: "127.0.0.1", port: taken },
      ],
      (key) => `move ${key} somewhere`,
    ).catch((e: unknown) => e);
    expect(isQhError(err, "QH_PORT_IN_USE")).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain(
      `api.port: 127.0.0.1:${taken} is already in use by another program; move api.port somewhere`,
    );
    expect(msg).not.toContain("deviceBroker.port");
  });

  it("startGateway refuses before opening the store or any listener", async () => {
    const taken = await occupy();
    const devPort = await freePort();
    const dataDir = tempDir("qh-ports-");
    const config = validateConfig({
      gateway: { id: "gw-ports", site: "s" },
      dataDir,
      deviceBroker: { host: "127.0.0.1", port: devPort },
      uplink: { url: "embedded", embeddedPort: taken },
      api: { host: "127.0.0.1", port: 0 },
    });
    const err = await startGateway({ config, log: silentLogger() }).catch((e: unknown) => e);
    expect(isQhError(err, "QH_PORT_IN_USE")).toBe(true);
    expect((err as Error).message).toMatch(/uplink\.embeddedPort: 127\.0\.0\.1:\d+ is already in use/);
    // nothing was started: the device broker's port is still free, no database was created
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(devPort, "127.0.0.1", () => probe.close(() => resolve()));
    });
    expect(existsSync(`${dataDir}/quarterhour.db`)).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
