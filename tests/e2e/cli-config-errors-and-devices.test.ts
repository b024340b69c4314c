import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCli, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import {
  connectClient,
  freePort,
  Platform,
  startAedes,
  type Upstream,
  waitUntil,
} from "../helpers/upstream.js";

const dir = tempDir("qh-cli-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function badConfig(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("quarterhour start refuses a bad config with exit code 2, naming the key path", () => {
  const base = `gateway: { id: gw-x, site: s }\ndataDir: ${dir}/d\n`;
  const cases: [string, string, RegExp][] = [
    [
      "scheme",
      `${base}uplink: { url: "http://platform" }\n`,
      /uplink\.url: must be mqtt:\/\/, mqtts:\/\/, ws:\/\/, wss:\/\/ or "embedded"/,
    ],
    ["unknown-key", `${base}uplnk: {}\n`, /uplnk/],
    ["type", `${base}deviceBroker: { port: "many" }\n`, /deviceBroker\.port/],
    ["yaml", `gateway: { id: gw-x\n  site: [\n`, /line \d+/],
    ["gw-id", `gateway: { id: "GW X", site: s }\n`, /gateway\.id/],
  ];
  for (const [name, text, re] of cases) {
    it(`${name}`, () => {
      const r = runCli(["start", "--config", badConfig(`${name}.yaml`, text)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/QH_CONFIG_INVALID/);
      expect(r.stderr).toMatch(re);
    });
  }
  it("a missing file is QH_CONFIG_UNREADABLE, exit 2", () => {
    const r = runCli(["start", "--config", join(dir, "nope.yaml")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/QH_CONFIG_UNREADABLE/);
  });
  it("bad usage exits 2", () => {
    expect(runCli(["start", "--log-level", "loud"]).status).toBe(2);
    expect(runCli(["frobnicate"]).status).toBe(2);
  });
});

// eight CLI processes in one test: seconds each on a loaded machine
describe("device add / list / remove and outbox stats", { timeout: 180_000 }, () => {
  it("provisions a device with a generated secret printed once, lists it, removes it", () => {
    const config = writeConfig(dir, {
      gateway: { id: "gw-cli", site: "s" },
      dataDir: `${dir}/devdata`,
      uplink: { url: "embedded" },
      devices: [{ id: "meter-7", model: "generic-mqtt" }],
    });
    const add = runCli(["device", "add", "meter-7", "--model", "generic-mqtt", "--config", config]);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/secret: \S{20,}/);
    const list = runCli(["device", "list", "--json", "--config", config]);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id: "meter-7", model: "generic-mqtt" }),
    ]);
    expect(
      runCli(["device", "add", "meter-7", "--model", "generic-mqtt", "--config", config]).stderr,
    ).toMatch(/QH_DEVICE_EXISTS/);
    const badModel = runCli(["device", "add", "m8", "--model", "no-such-model", "--config", config]);
    expect(badModel.status).toBe(2);
    expect(badModel.stderr).toMatch(/QH_MODEL_UNKNOWN/);
    expect(runCli(["device", "remove", "meter-7", "--config", config]).status).toBe(0);
    expect(runCli(["device", "remove", "meter-7", "--config", config]).stderr).toMatch(/QH_DEVICE_UNKNOWN/);
    const stats = runCli(["outbox", "stats", "--json", "--config", config]);
    expect(JSON.parse(stats.stdout)).toMatchObject({ pending: 0, delivered: 0, lastSeq: 0 });
  });
});

describe("graceful shutdown", () => {
  let up: Upstream;
  afterAll(async () => up?.stop());

  it("on SIGTERM flushes, publishes offline status, exits 0; device add works while it runs", async () => {
    up = await startAedes();
    const platform = await Platform.connect(up.url);
    const devPort = await freePort();
    const config = writeConfig(dir, {
      gateway: { id: "gw-term", site: "s" },
      dataDir: `${dir}/termdata`,
      deviceBroker: { host: "127.0.0.1", port: devPort },
      uplink: { url: up.url },
      api: { host: "127.0.0.1", port: 0 },
      devices: [{ id: "d1", model: "generic-mqtt" }],
    });
    const gw = await startGatewayProcess(config);
    // provisioning while the gateway runs
    const add = runCli([
      "device",
      "add",
      "d1",
      "--model",
      "generic-mqtt",
      "--secret",
      "live-secret",
      "--config",
      config,
    ]);
    expect(add.status, add.stderr).toBe(0);
    const dev = await connectClient(`mqtt://127.0.0.1:${devPort}`, {
      username: "d1",
      password: "live-secret",
    });
    await dev.publishAsync("dev/d1/evt/x.y", "{}", { qos: 1 });
    await platform.waitFor(() => platform.events.length === 1);
    dev.end(true);
    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
    await waitUntil(
      () => platform.topic("qh/v1/gw-term/status").some((m) => JSON.parse(m.payload).online === false),
      5000,
      "offline status",
    );
    const stats = JSON.parse(runCli(["outbox", "stats", "--json", "--config", config]).stdout);
    expect(stats).toMatchObject({ pending: 0, delivered: 1, lastSeq: 1 });
    await platform.close();
  });
});
