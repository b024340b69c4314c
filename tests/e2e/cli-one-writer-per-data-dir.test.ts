// Issue 6 "A second gateway on the same data dir", issue 14 (revocation, namespace at `device add`),
// issue 8 "device add/list" exit codes and messages: all as a user runs them, in child processes.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCli, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { connectClient, freePort, startAedes, type Upstream, waitUntil } from "../helpers/upstream.js";

const dir = tempDir("qh-writer-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUS = {
  id: "bus-a",
  path: "sim://bus-a",
  protocol: "lockboard-xor",
  devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
};

function siteConfig(name: string, extra: Record<string, unknown> = {}): string {
  const sub = join(dir, name);
  rmSync(sub, { recursive: true, force: true });
  return writeConfig(dir, {
    gateway: { id: "gw-cli", site: "s" },
    dataDir: `${sub}/data`,
    uplink: { url: "embedded", embeddedPort: 0 },
    api: { host: "127.0.0.1", port: 0 },
    deviceBroker: { host: "127.0.0.1", port: 0 },
    buses: [BUS],
    devices: [
      { id: "meter-1", model: "generic-mqtt" },
      { id: "meter-2", model: "generic-mqtt" },
    ],
    ...extra,
  });
}

// every CLI call is a Node start (seconds on a loaded machine): room for several per test
describe("device add / list: usage errors exit 2 with the right message", { timeout: 180_000 }, () => {
  const config = siteConfig("usage");
  const add = (...args: string[]) => runCli(["device", "add", ...args, "--config", config]);

  it("an unknown model: exit 2, QH_MODEL_UNKNOWN, each known MQTT model listed once", () => {
    const r = add("meter-1", "--model", "no-such-model");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/QH_MODEL_UNKNOWN/);
    expect(r.stderr.match(/generic-mqtt/g)?.length).toBe(2); // once in the list, once in the hint
    expect(r.stderr).not.toMatch(/Error:|\n\s+at /); // no stack
  });

  it("a bad id: exit 2, QH_DEVICE_INVALID", () => {
    const r = add("bad id!", "--model", "generic-mqtt");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/QH_DEVICE_INVALID/);
  });

  it("a short --secret: exit 2, the secret rule (not a hint about ids)", () => {
    const r = add("meter-1", "--secret", "a");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/QH_DEVICE_SECRET_INVALID/);
    expect(r.stderr).toMatch(/at least 8 characters/);
    expect(r.stderr).not.toMatch(/A-Z a-z 0-9/);
  });

  it("a serial device on a bus, or an undeclared id: exit 2, QH_DEVICE_UNDECLARED, no credential made", () => {
    const bus = add("locker-a", "--model", "generic-mqtt");
    expect(bus.status).toBe(2);
    expect(bus.stderr).toMatch(/QH_DEVICE_UNDECLARED/);
    expect(bus.stderr).toMatch(/serial device on bus bus-a/);
    const ghost = add("ghost-1", "--model", "generic-mqtt");
    expect(ghost.status).toBe(2);
    expect(ghost.stderr).toMatch(/QH_DEVICE_UNDECLARED/);
    const serialModel = add("meter-1", "--model", "demo-bank-24");
    expect(serialModel.status).toBe(2);
    expect(serialModel.stderr).toMatch(/not an MQTT device model/);
    expect(JSON.parse(runCli(["device", "list", "--json", "--config", config]).stdout)).toEqual([]);
  });

  it("a duplicate id: exit 2, QH_DEVICE_EXISTS; device list prints a header", () => {
    expect(add("meter-1", "--secret", "meter-one-secret").status).toBe(0); // model from the config
    const dup = add("meter-1", "--model", "generic-mqtt");
    expect(dup.status).toBe(2);
    expect(dup.stderr).toMatch(/QH_DEVICE_EXISTS/);
    const list = runCli(["device", "list", "--config", config]);
    expect(list.status).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+MODEL\s+ADDED$/);
    expect(lines[1]).toMatch(/^meter-1\s+generic-mqtt\s+\d{4}-/);
  });

  it("without a gateway, a writer takes the lock itself and leaves none behind; a stale lock is taken over", () => {
    const data = join(dir, "usage", "data");
    writeFileSync(join(data, "gateway.lock"), "2147483646\n");
    const r = runCli(["device", "remove", "meter-1", "--config", config]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(data, "gateway.lock"))).toBe(false);
  });
});

describe("one writer per data dir while the gateway runs", { timeout: 180_000 }, () => {
  let up: Upstream | undefined;
  afterAll(async () => up?.stop());

  it("a second gateway exits 1 with QH_STORE_LOCKED naming the first's pid; the first keeps its lock", async () => {
    const config = siteConfig("second");
    const first = await startGatewayProcess(config);
    try {
      const data = join(dir, "second", "data");
      expect(readFileSync(join(data, "gateway.lock"), "utf8").trim()).toBe(String(first.proc.pid));
      const second = spawn(
        process.execPath,
        [join(import.meta.dirname, "../../bin/quarterhour.js"), "start", "--config", config],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let err = "";
      second.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
      });
      expect(await exited(second)).toBe(1);
      expect(err).toMatch(/QH_STORE_LOCKED/);
      expect(err).toContain(`pid ${first.proc.pid}`);
      expect(readFileSync(join(data, "gateway.lock"), "utf8").trim()).toBe(String(first.proc.pid));
      expect(first.proc.exitCode).toBeNull();
    } finally {
      first.proc.kill("SIGTERM");
      expect(await exited(first.proc)).toBe(0);
    }
    expect(existsSync(join(dir, "second", "data", "gateway.lock"))).toBe(false);
  });

  it("device add and remove go through the running gateway; remove closes the live session", async () => {
    up = await startAedes();
    const devPort = await freePort();
    const config = siteConfig("live", {
      uplink: { url: up.url },
      deviceBroker: { host: "127.0.0.1", port: devPort },
    });
    const gw = await startGatewayProcess(config);
    let dev: MqttClient | undefined;
    try {
      const add = runCli(["device", "add", "meter-2", "--secret", "meter-two-secret", "--config", config]);
      expect(add.status, add.stderr).toBe(0);
      // the gateway did the write (its log says so)
      await waitUntil(() => gw.logs.some((l) => l.includes('"device credential added"')), 10_000, "log");
      dev = await connectClient(`mqtt://127.0.0.1:${devPort}`, {
        username: "meter-2",
        password: "meter-two-secret",
      });
      dev.on("error", () => {});
      const gone = new Promise<void>((resolve) => dev!.once("close", () => resolve()));
      const rm = runCli(["device", "remove", "meter-2", "--config", config]);
      expect(rm.status, rm.stderr).toBe(0);
      expect(rm.stdout).toMatch(/1 live connection\(s\) closed/);
      await gone;
      // read-only commands read the database directly while the gateway runs
      const list = runCli(["device", "list", "--json", "--config", config]);
      expect(list.status, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([]);
    } finally {
      dev?.end(true);
      gw.proc.kill("SIGTERM");
      await exited(gw.proc);
    }
  });
});
