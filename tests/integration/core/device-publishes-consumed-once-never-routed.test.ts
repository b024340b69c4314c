import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

/**
 * What a device publishes is the gateway's: stored once whatever its QoS, never routed by the
 * embedded broker to another device (the consumed publish skips aedes's routing: device-broker.ts
 * `skipSinkRouting`), retained nowhere, a will included.
 */
describe("device publishes are consumed once and never routed", () => {
  let up: Upstream; // the gateway's uplink broker; nothing here reads it
  beforeAll(async () => {
    up = await startAedes();
  });
  afterAll(() => up.stop());

  const count = (
    gw: { db: { prepare(s: string): { pluck(): { get(...a: unknown[]): unknown } } } },
    type: string,
  ) => gw.db.prepare("SELECT count(*) FROM events_view WHERE type = ?").pluck().get(type) as number;

  it("QoS 0, 1 and 2 events, a burst of all three, the sink topic itself, a retained command, a will", async () => {
    const gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("m1", "m2") }));
    try {
      await gw.credentials.add("m1", "generic-mqtt", "pass-m1-123");
      await gw.credentials.add("m2", "generic-mqtt", "pass-m2-123");
      const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
      const m2 = await connectClient(url, { username: "m2", password: "pass-m2-123" });
      const seen: string[] = [];
      m2.on("message", (t) => seen.push(t));
      await m2.subscribeAsync("dev/m2/#", { qos: 1 });
      const m1 = await connectClient(url, {
        username: "m1",
        password: "pass-m1-123",
        will: { topic: "dev/m1/evt/will.gone", payload: Buffer.from("{}"), qos: 1, retain: true },
      });
      await m1.publishAsync("dev/m1/evt/q.zero", "{}", { qos: 0 });
      await m1.publishAsync("dev/m1/evt/q.one", "{}", { qos: 1 });
      await m1.publishAsync("dev/m1/evt/q.two", "{}", { qos: 2 }); // resolves on PUBCOMP
      await m1.publishAsync("$SYS/qh/consumed", "{}", { qos: 1 }); // dropped as bad_topic, kept connected
      await m1.publishAsync("dev/m2/cmd/open", "{}", { qos: 1, retain: true }); // another device's topic
      for (let i = 0; i < 200; i++) m1.publish("dev/m1/evt/burst", "{}", { qos: (i % 3) as 0 | 1 | 2 });
      await waitUntil(() => count(gw, "burst") === 200, 10_000, "the burst stored");
      expect(count(gw, "q.zero")).toBe(1);
      expect(count(gw, "q.one")).toBe(1);
      expect(count(gw, "q.two")).toBe(1);
      expect(m1.connected).toBe(true);
      (m1 as unknown as { stream: { destroy(): void } }).stream.destroy(); // abrupt: the will fires
      await waitUntil(() => count(gw, "will.gone") === 1, 5_000, "the will stored");
      const m3 = await connectClient(url, { username: "m2", password: "pass-m2-123", clientId: "m2.x" });
      const retained: string[] = [];
      m3.on("message", (t) => retained.push(t));
      await m3.subscribeAsync("dev/m2/#", { qos: 1 });
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([]);
      expect(retained).toEqual([]);
      expect(count(gw, "burst")).toBe(200);
      await m2.endAsync();
      await m3.endAsync();
    } finally {
      await gw.cleanup();
    }
  });
});
