// Issue 14, "Device identity (device broker)": a device is who it says it is.
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlRequest } from "../../../src/control/socket.js";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, Platform, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const R = "qh/v1/gw-test";
const future = () => new Date(Date.now() + 60_000).toISOString();
let n = 0;

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

async function metric(gw: TestGateway, name: string): Promise<string> {
  return gw.registry.getSingleMetricAsString(name);
}

/** The value of one sample of a metric family (0 when absent). */
async function sample(gw: TestGateway, name: string, labels = ""): Promise<number> {
  const text = await metric(gw, name);
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

function closed(c: MqttClient): Promise<void> {
  return new Promise((resolve) => (c.connected ? c.once("close", () => resolve()) : resolve()));
}

const BUS = {
  id: "bus-a",
  path: "sim://bus-a",
  protocol: "lockboard-xor",
  devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
};

describe("device identity at the device broker", () => {
  let up: Upstream;
  let platform: Platform;
  let gw: TestGateway;
  let url: string;

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
    gw = await startTestGateway(
      testConfig(up.url, {
        devices: mqttDevices("dev-a", "dev-b", "dev-c", "dev-d", "dev-e"),
        buses: [BUS],
      }),
    );
    url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
    for (const id of ["dev-a", "dev-b", "dev-c", "dev-d", "dev-e"]) {
      await gw.credentials.add(id, "generic-mqtt", `secret-of-${id}`);
    }
  });
  afterAll(async () => {
    await platform?.close();
    await gw?.cleanup();
    await up?.stop();
  });

  it("a device's own password with another device's client id is refused (CONNACK 2), counted; the other stays", async () => {
    const a = await connectClient(url, { username: "dev-a", password: "secret-of-dev-a" });
    await expect(
      connectClient(url, { username: "dev-b", password: "secret-of-dev-b", clientId: "dev-a" }),
    ).rejects.toThrow(/Identifier rejected/i);
    expect(await sample(gw, "qh_device_connects_refused_total", '{reason="client_id"}')).toBe(1);
    expect(a.connected).toBe(true);
    // a prefix that is not followed by the dot separator is someone else's id
    await expect(
      connectClient(url, { username: "dev", password: "x-secret-1", clientId: "dev-a" }),
    ).rejects.toThrow();
    // `{id}.{suffix}` is the device's own
    const b2 = await connectClient(url, {
      username: "dev-b",
      password: "secret-of-dev-b",
      clientId: "dev-b.diag",
    });
    await b2.endAsync();
    await a.endAsync();
  });

  it("two connections of one device: presence follows connections; commands reach the one left", async () => {
    const first = await connectClient(url, { username: "dev-c", password: "secret-of-dev-c" });
    const second = await connectClient(url, {
      username: "dev-c",
      password: "secret-of-dev-c",
      clientId: "dev-c.second",
    });
    await second.subscribeAsync("dev/dev-c/cmd/+", { qos: 1 });
    second.on("message", (_t, payload) => {
      const cmd = JSON.parse(payload.toString()) as { id: string };
      second.publish(`dev/dev-c/cmd-result/${cmd.id}`, JSON.stringify({ status: "ok", result: {} }), {
        qos: 1,
      });
    });
    await first.endAsync();
    const id = `cmd-presence-${n++}`;
    await platform.client.publishAsync(
      `${R}/cmd/device.command`,
      JSON.stringify({ id, device: "dev-c", args: { name: "ping" }, expiresAt: future() }),
      { qos: 1 },
    );
    await platform.waitFor(() => platform.topic(`${R}/cmd-result/${id}`).length > 0, 10_000, "result");
    const result = JSON.parse(platform.topic(`${R}/cmd-result/${id}`)[0]!.payload);
    expect(result).toMatchObject({ status: "ok", result: { deviceStatus: "ok" } });
    const states = () => platform.topic(`${R}/dev/dev-c/state`).map((m) => JSON.parse(m.payload).online);
    expect(states()).not.toContain(false);
    await second.endAsync();
    await platform.waitFor(() => states().at(-1) === false, 10_000, "offline after the last connection");
  });

  it("an id that is a serial device, or not declared, is refused at connect although provisioned", async () => {
    // credentials made before these rules existed (or written into the database by hand)
    await gw.credentials.add("locker-a", "generic-mqtt", "secret-of-locker");
    await gw.credentials.add("ghost-1", "generic-mqtt", "secret-of-ghost");
    await expect(connectClient(url, { username: "locker-a", password: "secret-of-locker" })).rejects.toThrow(
      /Not authorized/i,
    );
    await expect(connectClient(url, { username: "ghost-1", password: "secret-of-ghost" })).rejects.toThrow(
      /Not authorized/i,
    );
    expect(await sample(gw, "qh_device_connects_refused_total", '{reason="serial_device"}')).toBe(1);
    expect(await sample(gw, "qh_device_connects_refused_total", '{reason="undeclared"}')).toBe(1);
  });

  it("device remove through the gateway ends the device's live session", async () => {
    const d = await connectClient(url, { username: "dev-d", password: "secret-of-dev-d" });
    d.on("error", () => {});
    const gone = closed(d);
    const out = await controlRequest(gw.config.dataDir, { op: "device.remove", id: "dev-d" });
    expect(out).toEqual({ id: "dev-d", disconnected: 1 });
    await gone;
    await expect(connectClient(url, { username: "dev-d", password: "secret-of-dev-d" })).rejects.toThrow();
  });

  it("invalid UTF-8 inside a JSON payload is dropped as not_json, never altered", async () => {
    const e = await connectClient(url, { username: "dev-e", password: "secret-of-dev-e" });
    const before = platform.events.length;
    // {"name":"<0xff>"}: not UTF-8; decoding would turn it into U+FFFD
    await e.publishAsync(
      "dev/dev-e/evt/x.bad",
      Buffer.from([...Buffer.from('{"name":"'), 0xff, 0x22, 0x7d]),
      {
        qos: 1,
      },
    );
    await e.publishAsync("dev/dev-e/evt/x.good", '{"name":"ü"}', { qos: 1 });
    await platform.waitFor(() => platform.events.some((ev) => ev.type === "x.good"));
    expect(platform.events.slice(before).map((ev) => ev.type)).toEqual(["x.good"]);
    expect(platform.events.find((ev) => ev.type === "x.good")!.data).toEqual({ name: "ü" });
    expect(await sample(gw, "qh_device_payloads_rejected_total", '{device="dev-e",reason="not_json"}')).toBe(
      1,
    );
    expect(e.connected).toBe(true);
    await e.endAsync();
  });

  it("wrong passwords back off per address before hashing; a device already verified still gets in", async () => {
    // dev-a was verified above, so it is recognised without scrypt
    const checks0 = await sample(gw, "qh_device_secret_checks_total");
    for (let i = 0; i < 6; i++) {
      await expect(connectClient(url, { username: "dev-b", password: `guess-number-${i}` })).rejects.toThrow(
        /Bad username or password/i,
      );
    }
    const checks1 = await sample(gw, "qh_device_secret_checks_total");
    expect(checks1 - checks0).toBe(6);
    for (let i = 0; i < 30; i++) {
      await expect(connectClient(url, { username: "dev-b", password: `guess-again-${i}` })).rejects.toThrow(
        /Bad username or password/i,
      );
    }
    // refused without a password check while the address backs off
    expect(await sample(gw, "qh_device_secret_checks_total")).toBe(checks1);
    expect(await sample(gw, "qh_device_connects_refused_total", '{reason="backoff"}')).toBeGreaterThanOrEqual(
      29,
    );
    const a = await connectClient(url, { username: "dev-a", password: "secret-of-dev-a" });
    expect(a.connected).toBe(true);
    await a.endAsync();
  });
});

describe("deviceBroker.allowUndeclaredDevices", () => {
  it("true: a provisioned undeclared id may connect (logged); a serial device id still may not", async () => {
    const up = await startAedes();
    const gw = await startTestGateway(
      testConfig(up.url, {
        deviceBroker: { host: "127.0.0.1", port: 0, allowUndeclaredDevices: true },
        buses: [BUS],
      }),
    );
    try {
      const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
      await gw.credentials.add("ghost-2", "generic-mqtt", "secret-of-ghost");
      await gw.credentials.add("locker-a", "generic-mqtt", "secret-of-locker");
      const g = await connectClient(url, { username: "ghost-2", password: "secret-of-ghost" });
      await g.endAsync();
      await expect(
        connectClient(url, { username: "locker-a", password: "secret-of-locker" }),
      ).rejects.toThrow(/Not authorized/i);
      await waitUntil(async () =>
        (await metric(gw, "qh_device_connects_refused_total")).includes("serial_device"),
      );
    } finally {
      await gw.cleanup();
      await up.stop();
    }
  });
});
