import { describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, freePort, Platform, startGatedAedes, waitUntil } from "../../helpers/upstream.js";

describe("telemetry while the uplink is down", () => {
  it("is buffered in SQLite (bounded, coalesced) and sent at QoS 0 after the events when the uplink returns", async () => {
    const port = await freePort();
    const gw = await startTestGateway(
      testConfig(`mqtt://127.0.0.1:${port}`, {
        uplink: { reconnect: { minMs: 1500, maxMs: 2000 } },
        store: { telemetryMaxRows: 50 },
        devices: mqttDevices("fridge-1"),
      }),
    );
    try {
      await gw.credentials.add("fridge-1", "generic-mqtt", "fridge-secret");
      const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
        username: "fridge-1",
        password: "fridge-secret",
      });
      for (let i = 0; i < 200; i++)
        await dev.publishAsync("dev/fridge-1/tele", JSON.stringify({ temp: 4 + i / 100, seq: i }), {
          qos: 1,
        });
      await dev.publishAsync("dev/fridge-1/evt/door.opened", "{}", { qos: 1 });
      const rows = () => gw.db.prepare("SELECT count(*) FROM telemetry").pluck().get() as number;
      await waitUntil(() => rows() > 0, 5000, "buffered rows");
      expect(rows()).toBeLessThanOrEqual(50);

      const up = await startGatedAedes(port);
      const platform = await Platform.connect(up.url);
      up.release();
      await platform.waitFor(() => platform.topic("qh/v1/gw-test/dev/fridge-1/tele").length > 0, 10_000);
      await waitUntil(() => rows() === 0, 5000, "buffer drained");
      const tele = platform.topic("qh/v1/gw-test/dev/fridge-1/tele").map((m) => JSON.parse(m.payload));
      expect(tele.length).toBeLessThanOrEqual(50);
      // the latest sample survives coalescing
      expect(tele.some((t) => t.metrics.seq === 199)).toBe(true);
      // a broker may deliver QoS 0 ahead of QoS 1: wait for the event too
      await platform.waitFor(() => platform.events.length > 0, 10_000, "the event");
      expect(platform.events.map((e) => e.type)).toEqual(["door.opened"]);
      await dev.endAsync();
      await platform.close();
      await up.stop();
    } finally {
      await gw.cleanup();
    }
  });
});
