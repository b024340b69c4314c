// Security finding (issue 14 follow-up): a CONNECT announcing ~256 MB made aedes buffer its body
// before any check. The framing gate closes a connection whose packet header announces more than
// allowed, before the body is buffered; the broker keeps serving real devices.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, Platform, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

/** MQTT remaining-length varint (MQTT 3.1.1 §2.2.3). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

async function refusedCount(gw: TestGateway): Promise<number> {
  const text = await gw.registry.getSingleMetricAsString("qh_device_connects_refused_total");
  const line = text.split("\n").find((l) => l.includes('reason="oversize_packet"'));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/**
 * Open a raw TCP connection, send `header`, then stream 64 KiB chunks of 'A' until the broker
 * closes the connection or `maxBytes` were sent. Resolves with the bytes of body written.
 */
async function flood(port: number, header: number[], maxBytes: number): Promise<{ written: number }> {
  const sock: Socket = connect(port, "127.0.0.1");
  sock.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", () => resolve());
    sock.once("error", reject);
  });
  let isClosed = false;
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
  void closed.then(() => {
    isClosed = true;
  });
  sock.write(Buffer.from(header));
  const chunk = Buffer.alloc(64 * 1024, "A");
  let written = 0;
  while (!isClosed && written < maxBytes) {
    const ok = sock.write(chunk);
    written += chunk.length;
    if (!ok) await Promise.race([new Promise((r) => sock.once("drain", r)), closed]);
    await new Promise((r) => setImmediate(r));
  }
  // the broker must close it; without the gate only aedes' 30 s connect timeout would
  await waitUntil(() => isClosed, 20_000, "the broker to close the flooding connection");
  return { written };
}

describe("the device broker refuses oversize MQTT packets before buffering them", () => {
  let up: Upstream;
  let platform: Platform;
  let gw: TestGateway;
  let port: number;

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
    gw = await startTestGateway(
      testConfig(up.url, {
        deviceBroker: { host: "127.0.0.1", port: 0, maxPayload: 4096 },
        devices: mqttDevices("dev-a"),
      }),
    );
    await gw.credentials.add("dev-a", "generic-mqtt", "secret-of-a");
    port = gw.deviceBrokerPort;
  });
  afterAll(async () => {
    await gw.cleanup();
    await platform.close();
    await up.stop();
  });

  it("closes a connection whose CONNECT announces 268435000 bytes, counted and before the body is read", async () => {
    const before = await refusedCount(gw);
    const { written } = await flood(port, [0x10, ...varint(268_435_000)], 64 * 1024 * 1024);
    expect(await refusedCount(gw)).toBe(before + 1);
    // refused on the header: far less than the 64 MiB the client was ready to send got through
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it("closes a connection whose CONNECT announces just over 16 KiB", async () => {
    const before = await refusedCount(gw);
    await flood(port, [0x10, ...varint(16 * 1024 + 1)], 1024 * 1024);
    expect(await refusedCount(gw)).toBe(before + 1);
  });

  it("closes a connection sending a malformed remaining length (more than 4 varint bytes)", async () => {
    const before = await refusedCount(gw);
    await flood(port, [0x10, 0x80, 0x80, 0x80, 0x80, 0x01], 1024 * 1024);
    expect(await refusedCount(gw)).toBe(before + 1);
  });

  it("still serves a real device afterwards, and a publish near maxPayload goes through", async () => {
    const a = await connectClient(`mqtt://127.0.0.1:${port}`, {
      username: "dev-a",
      password: "secret-of-a",
      clientId: "dev-a",
    });
    const data = JSON.stringify({ blob: "x".repeat(4096 - 20) });
    expect(data.length).toBeLessThanOrEqual(4096);
    expect(data.length).toBeGreaterThan(4000);
    await a.publishAsync("dev/dev-a/evt/near.limit", data, { qos: 1 });
    await platform.waitFor(() => platform.events.some((e) => e.type === "near.limit"));
    expect(a.connected).toBe(true);
    await a.endAsync();
  });

  it("closes an authenticated device's connection on a PUBLISH announcing far more than maxPayload", async () => {
    const a = await connectClient(`mqtt://127.0.0.1:${port}`, {
      username: "dev-a",
      password: "secret-of-a",
      clientId: "dev-a",
      reconnectPeriod: 0,
    });
    const before = await refusedCount(gw);
    let gone = false;
    a.stream.once("close", () => {
      gone = true;
    });
    // a raw PUBLISH header on the client's own stream: 100 MB announced, then a first chunk
    a.stream.write(Buffer.from([0x30, ...varint(100_000_000)]));
    a.stream.write(Buffer.alloc(64 * 1024, "A"));
    await waitUntil(() => gone, 20_000, "the broker to close the device's connection");
    expect(await refusedCount(gw)).toBe(before + 1);
    a.end(true);
  });
});
