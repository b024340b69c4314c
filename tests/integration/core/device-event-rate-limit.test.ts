import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceRateLimiter } from "../../../src/southbound/mqtt/rate-limit.js";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, startAedes, type Upstream } from "../../helpers/upstream.js";

describe("per-device event rate (deviceBroker.maxEventsPerSecond, eventBurst)", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startAedes();
  });
  afterAll(async () => up.stop());

  it("a device over its burst is not acknowledged and closed; the others keep publishing", async () => {
    // one token per 1000 s: within the test a device has exactly its burst of 5
    const gw = await startTestGateway(
      testConfig(up.url, {
        deviceBroker: { host: "127.0.0.1", port: 0, maxEventsPerSecond: 0.001, eventBurst: 5 },
        devices: mqttDevices("d1", "d2"),
      }),
    );
    try {
      await gw.credentials.add("d1", "generic-mqtt", "rate-secret-1");
      await gw.credentials.add("d2", "generic-mqtt", "rate-secret-2");
      const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
      const d1 = await connectClient(url, { username: "d1", password: "rate-secret-1", reconnectPeriod: 0 });
      d1.on("error", () => {});
      for (let i = 0; i < 5; i++)
        await d1.publishAsync("dev/d1/evt/flood.event", JSON.stringify({ i }), { qos: 1 });
      const closed = new Promise<void>((r) => d1.once("close", () => r()));
      let acked = false;
      d1.publish("dev/d1/evt/flood.event", JSON.stringify({ i: 5 }), { qos: 1 }, (err) => {
        if (!err) acked = true;
      });
      await closed;
      expect(acked).toBe(false);
      const count = (dev: string) =>
        gw.db.prepare("SELECT count(*) FROM events_view WHERE device = ?").pluck().get(dev) as number;
      expect(count("d1")).toBe(5);
      expect(await gw.registry.getSingleMetricAsString("qh_device_events_rate_limited_total")).toContain(
        'device="d1"} 1',
      );
      // fairness: d2 has its own bucket
      const d2 = await connectClient(url, { username: "d2", password: "rate-secret-2" });
      await d2.publishAsync("dev/d2/evt/normal.event", "{}", { qos: 1 });
      expect(count("d2")).toBe(1);
      await d2.endAsync();
      d1.end(true);
    } finally {
      await gw.cleanup();
    }
  });
});

describe("the token bucket", () => {
  it("refills at the rate up to the burst, on a monotonic clock", () => {
    let t = 0;
    const l = new DeviceRateLimiter({ ratePerSecond: 2, burst: 3, now: () => t });
    expect([l.take("a"), l.take("a"), l.take("a"), l.take("a")]).toEqual([true, true, true, false]);
    expect(l.take("b")).toBe(true); // per device
    t = 500; // one token back
    expect([l.take("a"), l.take("a")]).toEqual([true, false]);
    t = 100_000; // quiet for long: the burst, not more
    expect([l.take("a"), l.take("a"), l.take("a"), l.take("a")]).toEqual([true, true, true, false]);
  });
});
