import { connect, createServer, type Socket } from "node:net";
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

/**
 * The gateway's way to the upstream broker: a TCP relay on `port` to the broker's port. Closing it
 * is the outage (the gateway's connection drops, new ones are refused) while the broker and the
 * platform's subscription stay up: the platform is subscribed before the gateway can reach the
 * broker again, so no event can be published before anyone listens (with the broker itself
 * stopped and restarted, the gateway's reconnect could win the race against the platform's
 * subscribe, and the broker drops what it publishes to nobody).
 */
async function openLink(port: number, brokerPort: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    const t = connect(brokerPort, "127.0.0.1");
    for (const x of [s, t]) {
      sockets.add(x);
      x.on("error", () => {});
      x.on("close", () => {
        sockets.delete(x);
        s.destroy();
        t.destroy();
      });
    }
    s.pipe(t).pipe(s);
  });
  await new Promise<void>((ok, ko) => {
    server.once("error", ko);
    server.listen(port, "127.0.0.1", () => ok());
  });
  return {
    close: async () => {
      for (const x of sockets) x.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

type Kind = "aedes" | "mosquitto";
const start = (kind: Kind, port: number): Promise<Upstream> =>
  kind === "aedes" ? startAedes(port) : startMosquitto(port);

for (const kind of ["aedes", "mosquitto"] as Kind[]) {
  describe.runIf(kind === "aedes" || mosquittoRequired())(`outage with ${kind} upstream`, () => {
    it(`accepts ${N} events while upstream is down and delivers all of them in seq order when it is back`, async () => {
      const port = await freePort();
      const up = await start(kind, await freePort());
      let link = await openLink(port, up.port);
      const gw = await startTestGateway(
        testConfig(`mqtt://127.0.0.1:${port}`, {
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
        const platform = await Platform.connect(up.url);
        await publishMany(dev, 1, -1);
        await platform.waitFor(() => platform.events.length === 1);
        // the platform can hold the event before the gateway has read its PUBACK: cut the link
        // only once the gateway counts it delivered, or it stays pending and goes again (at least
        // once), one more than the outage's own
        await waitUntil(() => gw.forwarder.pendingCount === 0, 10_000, "the first event marked delivered");

        await link.close(); // the platform's broker is out of reach
        await waitUntil(
          async () => (await gw.api.inject({ url: "/health" })).json().uplink.connected === false,
          10_000,
          "uplink down",
        );
        await publishMany(dev, N); // every PUBACK means durable
        expect(gw.forwarder.pendingCount).toBe(N);

        link = await openLink(port, up.port);
        await platform.waitFor(() => platform.events.length >= N + 1, 60_000, `${N} events after the outage`);
        const after = platform.events.slice(1);
        const seqs = after.map((e) => e.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
        expect(after.map((e) => e.data.n)).toEqual(Array.from({ length: N }, (_, i) => i));
        await waitUntil(() => gw.forwarder.pendingCount === 0, 10_000, "all marked delivered");
        await dev.endAsync();
        await platform.close();
      } finally {
        await gw.cleanup();
        await link.close();
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
      let link: { close(): Promise<void> } | undefined;
      try {
        await gw.credentials.add("pump-1", "generic-mqtt", "pump-secret");
        const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
          username: "pump-1",
          password: "pump-secret",
        });
        await publishMany(dev, 200);
        up = await start(kind, await freePort());
        const platform = await Platform.connect(up.url);
        link = await openLink(port, up.port); // the gateway can reach the broker from now on
        await platform.waitFor(() => platform.events.length >= 200, 30_000);
        expect(platform.events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        await dev.endAsync();
        await platform.close();
      } finally {
        await gw.cleanup();
        await link?.close();
        await up?.stop();
      }
    });
  });
}
