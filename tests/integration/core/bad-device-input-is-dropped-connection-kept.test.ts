import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, Platform, startAedes, type Upstream } from "../../helpers/upstream.js";

async function metric(
  gw: { registry: { getSingleMetricAsString(n: string): Promise<string> } },
  name: string,
) {
  return gw.registry.getSingleMetricAsString(name);
}

describe("bad device input is refused or dropped, and the device stays connected", () => {
  let up: Upstream;
  let platform: Platform;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let url: string;

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
    gw = await startTestGateway(
      testConfig(up.url, {
        deviceBroker: { host: "127.0.0.1", port: 0, maxPayload: 1024 },
        devices: mqttDevices("dev-a", "dev-b", "dev-c", "dev-t"),
      }),
    );
    await gw.credentials.add("dev-a", "generic-mqtt", "secret-of-a");
    await gw.credentials.add("dev-b", "generic-mqtt", "secret-of-b");
    url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
  });
  afterAll(async () => {
    await gw.cleanup();
    await platform.close();
    await up.stop();
  });

  it("refuses a wrong password, an unknown device and a missing password at CONNACK", async () => {
    await expect(connectClient(url, { username: "dev-a", password: "wrong-secret" })).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    await expect(connectClient(url, { username: "nobody", password: "whatever-1" })).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    await expect(connectClient(url, { username: "dev-a" })).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    expect(await metric(gw, "qh_device_auth_failures_total")).toMatch(/qh_device_auth_failures_total 3/);
  });

  it("drops oversize, non-JSON, non-object, out-of-scheme and other-device publishes, counted per reason", async () => {
    const a = await connectClient(url, { username: "dev-a", password: "secret-of-a" });
    const b = await connectClient(url, { username: "dev-b", password: "secret-of-b" });
    const bGot: string[] = [];
    b.on("message", (t) => bGot.push(t));
    await b.subscribeAsync("dev/dev-b/#", { qos: 1 });
    // a subscription outside its own scope is refused (SUBACK 0x80), the connection stays
    await expect(a.subscribeAsync("dev/dev-b/#", { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(a.connected).toBe(true);

    await a.publishAsync("dev/dev-a/evt/big", JSON.stringify({ x: "y".repeat(2000) }), { qos: 1 });
    await a.publishAsync("dev/dev-a/evt/text", "not json {", { qos: 1 });
    await a.publishAsync("dev/dev-a/evt/arr", "[1,2]", { qos: 1 });
    await a.publishAsync("dev/dev-a/evt/Bad-Type", "{}", { qos: 1 });
    await a.publishAsync("dev/dev-a/something/else", "{}", { qos: 1 });
    await a.publishAsync("dev/dev-b/cmd/open", JSON.stringify({ id: "x", args: {} }), { qos: 1 });
    await a.publishAsync("elsewhere/topic", "{}", { qos: 1 });
    await a.publishAsync("dev/dev-a/tele", JSON.stringify({ nested: { no: 1 } }), { qos: 1 });
    // still connected: a good event goes through
    await a.publishAsync("dev/dev-a/evt/ok", JSON.stringify({ fine: true }), { qos: 1 });
    expect(a.connected).toBe(true);

    const m = await metric(gw, "qh_device_payloads_rejected_total");
    for (const reason of [
      "oversize",
      "not_json",
      "not_object",
      "bad_type",
      "bad_topic",
      "other_device",
      "bad_metrics",
    ]) {
      expect(m).toContain(`device="dev-a",reason="${reason}"`);
    }
    expect(m).toMatch(/device="dev-a",reason="bad_topic"} 2/);
    await platform.waitFor(() => platform.events.some((e) => e.type === "ok"));
    expect(platform.events.map((e) => e.type)).toEqual(["ok"]);
    // dev-b never saw dev-a's forged command
    await new Promise((r) => setTimeout(r, 100));
    expect(bGot).toEqual([]);
    await a.endAsync();
    await b.endAsync();
  });

  it("a type longer than 64 characters is bad_type; past 64 distinct types a new one is too_many_types", async () => {
    await gw.credentials.add("dev-t", "generic-mqtt", "secret-of-t");
    const t = await connectClient(url, { username: "dev-t", password: "secret-of-t" });
    await t.publishAsync(`dev/dev-t/evt/${"a".repeat(65)}`, "{}", { qos: 1 });
    for (let i = 0; i < 64; i++) await t.publishAsync(`dev/dev-t/evt/kind_${i}`, `{"i":${i}}`, { qos: 1 });
    await t.publishAsync("dev/dev-t/evt/kind_64", "{}", { qos: 1 }); // the 65th distinct type
    await t.publishAsync("dev/dev-t/evt/kind_3", '{"again":true}', { qos: 1 }); // a known one still goes
    const m = await metric(gw, "qh_device_payloads_rejected_total");
    expect(m).toMatch(/device="dev-t",reason="bad_type"} 1/);
    expect(m).toMatch(/device="dev-t",reason="too_many_types"} 1/);
    await platform.waitFor(() => platform.events.filter((e) => e.device === "dev-t").length === 65);
    const types = platform.events.filter((e) => e.device === "dev-t").map((e) => e.type);
    expect(types).not.toContain("kind_64");
    expect(types.filter((x) => x === "kind_3")).toHaveLength(2);
    await t.endAsync();
  });

  it("a removed device can no longer connect", async () => {
    await gw.credentials.add("dev-c", "generic-mqtt", "secret-of-c");
    const c = await connectClient(url, { username: "dev-c", password: "secret-of-c" });
    await c.endAsync();
    gw.credentials.remove("dev-c");
    await expect(connectClient(url, { username: "dev-c", password: "secret-of-c" })).rejects.toThrow();
  });
});
