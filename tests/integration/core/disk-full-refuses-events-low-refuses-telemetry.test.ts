import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, startAedes, type Upstream } from "../../helpers/upstream.js";

/** The data disk's free space is the one thing here we cannot make real: the gateway takes a hook. */
describe("disk watermarks", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startAedes();
  });
  afterAll(async () => up.stop());

  it("low disk: telemetry is refused first, business events still accepted", async () => {
    const gw = await startTestGateway(
      testConfig(up.url, { store: { lowDiskMb: 200 }, devices: mqttDevices("d1", "d2") }),
      {
        freeBytesOverride: () => 150 * 1048576,
      },
    );
    try {
      await gw.credentials.add("d1", "generic-mqtt", "disk-secret");
      const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
        username: "d1",
        password: "disk-secret",
      });
      await gw.ingest.emit({ device: "x", type: "keep", data: {} });
      await up.stop(); // uplink down: telemetry would be buffered, but the disk is low
      up = await startAedes();
      await dev.publishAsync("dev/d1/tele", JSON.stringify({ t: 1 }), { qos: 1 });
      await dev.publishAsync("dev/d1/evt/still.accepted", "{}", { qos: 1 });
      expect(
        gw.db.prepare("SELECT count(*) FROM events_view WHERE type = 'still.accepted'").pluck().get(),
      ).toBe(1);
      expect(gw.db.prepare("SELECT count(*) FROM telemetry").pluck().get()).toBe(0);
      expect(await gw.registry.getSingleMetricAsString("qh_telemetry_dropped_total")).toContain(
        'reason="disk_low"} 1',
      );
      const health = await gw.api.inject({ url: "/health" });
      expect(health.json().problems).toContain("disk low");
      await dev.endAsync();
    } finally {
      await gw.cleanup();
    }
  });

  it("full disk: events are refused loudly (no PUBACK, connection closed), nothing half-stored", async () => {
    const gw = await startTestGateway(
      testConfig(up.url, { store: { lowDiskMb: 200 }, devices: mqttDevices("d1", "d2") }),
      {
        freeBytesOverride: () => 10 * 1048576,
      },
    );
    try {
      await gw.credentials.add("d2", "generic-mqtt", "disk-secret");
      const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
        username: "d2",
        password: "disk-secret",
      });
      dev.on("error", () => {});
      const closed = new Promise<void>((r) => dev.once("close", () => r()));
      let acked = false;
      dev.publish("dev/d2/evt/refused", "{}", { qos: 1 }, (err) => {
        if (!err) acked = true;
      });
      await closed;
      expect(acked).toBe(false);
      expect(gw.db.prepare("SELECT count(*) FROM events").pluck().get()).toBe(0);
      await expect(gw.ingest.emit({ device: "x", type: "y", data: {} })).rejects.toMatchObject({
        code: "QH_STORE_FULL",
      });
      const health = await gw.api.inject({ url: "/health" });
      expect(health.statusCode).toBe(503);
      expect(health.json().problems).toContain("disk full");
      dev.end(true);
    } finally {
      await gw.cleanup();
    }
  });
});
