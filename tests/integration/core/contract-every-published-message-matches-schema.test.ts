/**
 * The contract test: every message the gateway publishes upstream, and every command it sends to a
 * device, is checked against the JSON Schemas in docs/contract/v1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractValidators, schemaForUplinkTopic } from "../../helpers/contract.js";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, Platform, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const R = "qh/v1/gw-test";
const future = () => new Date(Date.now() + 60_000).toISOString();

describe("contract: every published message matches its schema", () => {
  const validators = contractValidators();
  let up: Upstream;
  let platform: Platform;

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
  });
  afterAll(async () => {
    await platform.close();
    await up.stop();
  });

  for (const maxEvents of [100, 1]) {
    it(`in ${maxEvents === 1 ? "per-event" : "batch"} mode`, async () => {
      platform.messages = [];
      const gw = await startTestGateway(
        testConfig(up.url, { uplink: { batch: { maxEvents } }, devices: mqttDevices("dev-1") }),
      );
      await gw.credentials.add("dev-1", "generic-mqtt", "secret-one");
      const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
        username: "dev-1",
        password: "secret-one",
      });
      const toDevice: string[] = [];
      await dev.subscribeAsync("dev/dev-1/cmd/+", { qos: 1 });
      dev.on("message", (_t, p) => {
        toDevice.push(p.toString());
        const c = JSON.parse(p.toString()) as { id: string };
        dev.publish(`dev/dev-1/cmd-result/${c.id}`, JSON.stringify({ status: "ok", result: { done: 1 } }));
      });
      for (let i = 0; i < 5; i++)
        await dev.publishAsync("dev/dev-1/evt/locker.door_opened", JSON.stringify({ i }), { qos: 1 });
      await dev.publishAsync("dev/dev-1/tele", JSON.stringify({ t: 4.5, ok: true, mode: "eco" }));
      await dev.publishAsync("dev/dev-1/state", JSON.stringify({ fw: "1.0" }), { qos: 1, retain: true });
      const cmds: [string, Record<string, unknown>][] = [
        ["ping", { id: `p-${maxEvents}`, args: {}, expiresAt: future() }],
        ["ping", { id: `p-${maxEvents}`, args: {}, expiresAt: future() }],
        ["ping", { id: `e-${maxEvents}`, args: {}, expiresAt: "2020-01-01T00:00:00.000Z" }],
        ["nope", { id: `n-${maxEvents}`, args: {}, expiresAt: future() }],
        ["replay", { id: `r-${maxEvents}`, args: { fromSeq: 1, toSeq: 2 }, expiresAt: future() }],
        ["replay", { id: `f-${maxEvents}`, args: { fromSeq: 3, toSeq: 1 }, expiresAt: future() }],
        [
          "device.command",
          { id: `d-${maxEvents}`, device: "dev-1", args: { name: "beep" }, expiresAt: future() },
        ],
      ];
      for (const [name, body] of cmds)
        await platform.client.publishAsync(`${R}/cmd/${name}`, JSON.stringify(body), { qos: 1 });
      await waitUntil(
        () => platform.messages.filter((m) => m.topic.includes("/cmd-result/")).length >= cmds.length,
        10_000,
        "results",
      );
      await platform.waitFor(() => platform.events.length >= 5);
      await gw.cleanup(); // publishes the offline status
      await waitUntil(
        () => platform.topic(`${R}/status`).some((m) => !JSON.parse(m.payload).online),
        5000,
        "offline",
      );
      await dev.endAsync();

      const kinds = new Set<string>();
      for (const m of platform.messages) {
        if (m.topic.includes("/cmd/")) continue; // our own commands
        const schema = schemaForUplinkTopic(R, m.topic);
        expect(schema, `no schema for topic ${m.topic}`).toBeDefined();
        const v = validators.get(schema!)!;
        const ok = v(JSON.parse(m.payload));
        expect(ok, `${m.topic}: ${JSON.stringify(v.errors)} in ${m.payload}`).toBe(true);
        kinds.add(schema!);
      }
      const expected = ["status", "tele", "state", "cmd-result", maxEvents === 1 ? "envelope" : "events"];
      for (const k of expected) expect(kinds, `saw no ${k}`).toContain(k);
      expect(toDevice.length).toBe(1);
      for (const p of toDevice) expect(validators.get("device-command")!(JSON.parse(p))).toBe(true);
    });
  }
});
