import type { MqttClient } from "mqtt";
import { describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import {
  connectClient,
  freePort,
  mosquittoRequired,
  Platform,
  startAedes,
  startMosquitto,
  type Upstream,
  waitUntil,
} from "../../helpers/upstream.js";

const N = 10_000;

async function publishMany(dev: MqttClient, n: number, from = 0): Promise<void> {
  const chunk = 500;
  for (let i = from; i < from + n; i += chunk) {
    const ps: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(from + n, i + chunk); j++) {
      ps.push(
        dev.publishAsync("dev/pump-1/evt/vend.completed", `{"n":${j},"pad":"${"x".repeat(120)}"}`, {
          qos: 1,
        }),
      );
    }
    await Promise.all(ps);
  }
}

type Kind = "aedes" | "mosquitto";
const start = (kind: Kind, port: number): Promise<Upstream> =>
  kind === "aedes" ? startAedes(port) : startMosquitto(port);

for (const kind of ["aedes", "mosquitto"] as Kind[]) {
  describe.runIf(kind === "aedes" || mosquittoRequired())(`outage with ${kind} upstream`, () => {
    it(`accepts ${N} events while upstream is down and delivers all of them in seq order when it is back`, async () => {
      const port = await freePort();
      let up = await start(kind, port);
      const gw = await startTestGateway(
        testConfig(up.url, {
          uplink: { reconnect: { minMs: 1500, maxMs: 2000 } },
          // thousands of events from one device at full speed: the fairness limit lifted
          deviceBroker: { host: "127.0.0.1", port: 0, maxEventsPerSecond: 1_000_000, eventBurst: 10_000_000 },
          devices: mqttDevices("pump-1"),
        }),
      );
      try {
        await gw.credentials.add("pump-1", "generic-mqtt", "pump-secret");
        const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
          username: "pump-1",
          password: "pump-secret",
        });
        // one event while up, to prove the path
        let platform = await Platform.connect(up.url);
        await publishMany(dev, 1, -1);
        await platform.waitFor(() => platform.events.length === 1);
        await platform.close();

        await up.stop(); // the platform goes away
        await publishMany(dev, N); // every PUBACK means durable
        expect(gw.forwarder.pendingCount).toBe(N);

        up = await start(kind, port);
        platform = await Platform.connect(up.url);
        await platform.waitFor(() => platform.events.length >= N, 60_000, `${N} events after the outage`);
        const seqs = platform.events.map((e) => e.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
        expect(platform.events.map((e) => e.data.n)).toEqual(Array.from({ length: N }, (_, i) => i));
        await waitUntil(() => gw.forwarder.pendingCount === 0, 10_000, "all marked delivered");
        await dev.endAsync();
        await platform.close();
      } finally {
        await gw.cleanup();
        await up.stop();
      }
    });

    it("does not lose events accepted before the uplink ever connected", async () => {
      const port = await freePort();
      const gw = await startTestGateway(
        testConfig(`mqtt://127.0.0.1:${port}`, {
          uplink: { reconnect: { minMs: 1500, maxMs: 2000 } },
          // thousands of events from one device at full speed: the fairness limit lifted
          deviceBroker: { host: "127.0.0.1", port: 0, maxEventsPerSecond: 1_000_000, eventBurst: 10_000_000 },
          devices: mqttDevices("pump-1"),
        }),
      );
      let up: Upstream | undefined;
      try {
        await gw.credentials.add("pump-1", "generic-mqtt", "pump-secret");
        const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
          username: "pump-1",
          password: "pump-secret",
        });
        await publishMany(dev, 200);
        up = await start(kind, port);
        const platform = await Platform.connect(up.url);
        await platform.waitFor(() => platform.events.length >= 200, 30_000);
        expect(platform.events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        await dev.endAsync();
        await platform.close();
      } finally {
        await gw.cleanup();
        await up?.stop();
      }
    });
  });
}
