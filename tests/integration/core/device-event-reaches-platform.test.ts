import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { storedEvents } from "../../helpers/outbox-rows.js";
import { connectClient, Platform, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

describe("a device event reaches the platform", () => {
  let up: Upstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let platform: Platform;

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("meter-1") }));
    await gw.credentials.add("meter-1", "generic-mqtt", "s3cret-pass");
  });
  afterAll(async () => {
    await gw.cleanup();
    await platform.close();
    await up.stop();
  });

  it("acks only after commit, and the envelope arrives with id, seq, ts, gw, device, type, data", async () => {
    const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "meter-1",
      password: "s3cret-pass",
    });
    await dev.publishAsync("dev/meter-1/evt/meter.reading", JSON.stringify({ kwh: 12.5 }), { qos: 1 });
    // PUBACK received: the row must already be in SQLite
    const row = storedEvents(gw.db)[0]!;
    expect(row).toBeDefined();
    expect(JSON.parse(row.body).data).toEqual({ kwh: 12.5 });

    await platform.waitFor(() => platform.events.length === 1);
    const e = platform.events[0]!;
    expect(e.gw).toBe("gw-test");
    expect(e.device).toBe("meter-1");
    expect(e.type).toBe("meter.reading");
    expect(e.data).toEqual({ kwh: 12.5 });
    expect(e.seq).toBe(row.seq);
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(new Date(e.ts).toISOString()).toBe(e.ts);

    // status retained online, and the row is marked delivered
    const status = platform.topic("qh/v1/gw-test/status").at(-1);
    expect(JSON.parse(status!.payload)).toMatchObject({ online: true, bootId: gw.bootId });
    await waitUntil(() => gw.forwarder.pendingCount === 0, 10_000, "delivered");
    // delivery is a watermark (docs/performance.md, SD-card wear): the row itself is not rewritten;
    // the mark reaches the disk within a second of the platform's PUBACK
    const upTo = () => (gw.db.prepare("SELECT max(upto) FROM delivery_marks").pluck().get() as number) ?? 0;
    await waitUntil(() => upTo() >= row.seq, 10_000, "delivery mark on disk");
    await dev.endAsync();
  });

  it("telemetry goes out at QoS 0 on R/dev/{id}/tele and state retained on R/dev/{id}/state", async () => {
    const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "meter-1",
      password: "s3cret-pass",
    });
    await dev.publishAsync("dev/meter-1/tele", JSON.stringify({ volts: 229.5, ok: true }), { qos: 0 });
    await dev.publishAsync("dev/meter-1/state", JSON.stringify({ firmware: "1.2.3" }), {
      qos: 1,
      retain: true,
    });
    await platform.waitFor(() => platform.topic("qh/v1/gw-test/dev/meter-1/tele").length === 1);
    const tele = JSON.parse(platform.topic("qh/v1/gw-test/dev/meter-1/tele")[0]!.payload);
    expect(tele).toMatchObject({ device: "meter-1", metrics: { volts: 229.5, ok: true } });
    await platform.waitFor(() =>
      platform.topic("qh/v1/gw-test/dev/meter-1/state").some((m) => m.payload.includes("1.2.3")),
    );
    await dev.endAsync();
  });

  it("a state document cannot claim the gateway's fields: ts, device and online are the gateway's", async () => {
    const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "meter-1",
      password: "s3cret-pass",
    });
    const forged = { ts: "1999-01-01T00:00:00.000Z", device: "locker-a", online: false, mode: "forged" };
    await dev.publishAsync("dev/meter-1/state", JSON.stringify(forged), { qos: 1, retain: true });
    await platform.waitFor(() =>
      platform.topic("qh/v1/gw-test/dev/meter-1/state").some((m) => m.payload.includes('"forged"')),
    );
    const doc = JSON.parse(
      platform
        .topic("qh/v1/gw-test/dev/meter-1/state")
        .filter((m) => m.payload.includes('"forged"'))
        .at(-1)!.payload,
    );
    expect(doc).toMatchObject({ device: "meter-1", online: true, mode: "forged" });
    expect(Date.parse(doc.ts)).toBeGreaterThan(Date.parse("2020-01-01T00:00:00.000Z"));
    await dev.endAsync();
  });

  it("device.command's timeoutMs is bounded: beyond 10 minutes it is rejected, never a raw timer overflow", async () => {
    const id = "dc-timeout-bound";
    const body = {
      id,
      device: "meter-1",
      args: { name: "reboot", timeoutMs: 3_000_000_000 },
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    };
    await platform.client.publishAsync("qh/v1/gw-test/cmd/device.command", JSON.stringify(body), { qos: 1 });
    await platform.waitFor(() => platform.topic(`qh/v1/gw-test/cmd-result/${id}`).length > 0);
    const r = JSON.parse(platform.topic(`qh/v1/gw-test/cmd-result/${id}`)[0]!.payload);
    expect(r).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
  });

  it("per-event mode publishes each envelope on R/dev/{device}/evt/{type}", async () => {
    const up2 = await startAedes();
    const p2 = await Platform.connect(up2.url);
    const gw2 = await startTestGateway(
      testConfig(up2.url, { uplink: { batch: { maxEvents: 1 } }, devices: mqttDevices("lock-9") }),
    );
    try {
      await gw2.credentials.add("lock-9", "generic-mqtt", "another-secret");
      const dev = await connectClient(`mqtt://127.0.0.1:${gw2.deviceBrokerPort}`, {
        username: "lock-9",
        password: "another-secret",
      });
      for (let i = 0; i < 3; i++)
        await dev.publishAsync("dev/lock-9/evt/door.opened", `{"n":${i}}`, { qos: 1 });
      await p2.waitFor(() => p2.events.length === 3);
      expect(p2.messages.filter((m) => m.topic === "qh/v1/gw-test/dev/lock-9/evt/door.opened")).toHaveLength(
        3,
      );
      expect(p2.events.map((e) => e.data.n)).toEqual([0, 1, 2]);
      await dev.endAsync();
    } finally {
      await gw2.cleanup();
      await p2.close();
      await up2.stop();
    }
  });
});
