/**
 * Attack review of issue 13 (review-attack), FINDING 1 / 1b end to end: two devices' events in two
 * overlapping fdatasyncs of the same WAL descriptor; the LATER one fails (EIO) while the earlier one
 * still runs. Linux reports a writeback error to one fdatasync per open file description, so the
 * earlier sync's later "success" proves nothing. Real gateway, real aedes and MQTT.js devices, real
 * SQLite files; only the fdatasync is the test's (GatewayOptions.walSync, tests/helpers/held-sync.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SyncFn } from "../../../src/store/wal-sync.js";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { HeldSync } from "../../helpers/held-sync.js";
import { connectClient, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const count = (gw: { db: { prepare(s: string): { pluck(): { get(): unknown } } } }, type: string) =>
  gw.db.prepare(`SELECT count(*) FROM events_view WHERE type = '${type}'`).pluck().get() as number;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("attack: a later overlapping fdatasync fails while an earlier one runs", () => {
  let up: Upstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  beforeAll(async () => {
    up = await startAedes();
  });
  afterEach(async () => {
    await gw?.cleanup();
    gw = undefined;
  });
  afterAll(async () => up.stop());

  /** Gateway with two devices; syncs not held take 10 ms (a slow card: the syncs overlap). */
  async function setUp(sync: HeldSync) {
    const slow: SyncFn = (fd, done) =>
      sync.holding ? sync.fn(fd, done) : setTimeout(() => sync.fn(fd, done), 10);
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("x1", "y1") }), { walSync: slow });
    await gw.credentials.add("x1", "generic-mqtt", "attack-pass-1");
    await gw.credentials.add("y1", "generic-mqtt", "attack-pass-1");
    const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
    const x = await connectClient(url, { username: "x1", password: "attack-pass-1" });
    const y = await connectClient(url, { username: "y1", password: "attack-pass-1" });
    x.on("error", () => {});
    y.on("error", () => {});
    await pause(200); // the devices' status events synced
    sync.tagger = () => count(gw!, "first.one") * 10 + count(gw!, "second.one");
    sync.holding = true;
    let xAcked = false;
    x.publish("dev/x1/evt/first.one", "{}", { qos: 1 }, (err) => {
      if (!err) xAcked = true;
    });
    await waitUntil(() => sync.waiting.some((w) => w.tag === 10), 5000, "x1's commit, its sync held");
    y.publish("dev/y1/evt/second.one", "{}", { qos: 1 }, () => {});
    await waitUntil(() => sync.waiting.some((w) => w.tag === 11), 5000, "y1's commit, its own sync");
    const a = sync.waiting.findIndex((w) => w.tag === 10);
    const b = sync.waiting.findIndex((w) => w.tag === 11);
    expect(a).toBeLessThan(b); // overlapping: A (x1's event) started first, B (y1's) beside it
    expect(sync.waiting[a]!.fd).toBe(sync.waiting[b]!.fd); // one descriptor, one error report
    sync.complete(b, "EIO"); // B fails: the card lost a write
    await pause(100);
    return { x, y, xAcked: () => xAcked };
  }

  // FINDING 1: wal-sync.ts settle() (lines 356-378) fails only the syncs started after the failed
  // one; A's waiter (x1's PUBACK) is released when A returns 0 after B reported the EIO.
  it("FINDING 1: no PUBACK for an event whose sync overlapped a failed fdatasync", async () => {
    const sync = new HeldSync();
    const { x, y, xAcked } = await setUp(sync);
    try {
      const a = sync.waiting.findIndex((w) => w.tag === 10);
      sync.complete(a); // A returns 0 (the kernel reported the error to B only)
      await pause(300);
      expect(xAcked()).toBe(false); // actual: x1 got its PUBACK
    } finally {
      sync.holding = false;
      sync.release();
      x.end(true);
      y.end(true);
    }
  });

  // FINDING 1b: the failure is recorded only when A returns. Meanwhile /health answers 200 with no
  // problem and events are still accepted, for as long as the card takes to finish A.
  it("FINDING 1b: /health tells of the failed fdatasync while an earlier sync still runs", async () => {
    const sync = new HeldSync();
    const { x, y } = await setUp(sync);
    try {
      const health = await gw!.api.inject({ url: "/health" });
      expect(health.statusCode).toBe(503); // actual: 200
      expect(health.json().problems).toContain("store: I/O error");
    } finally {
      sync.holding = false;
      sync.release();
      x.end(true);
      y.end(true);
    }
  });

  // FINDING 4 (gateway.ts health.problems, lines 496-500; wal-sync.ts has no watchdog): an
  // fdatasync that never returns (an SD card that hangs) acknowledges nothing for as long as it
  // hangs, while /health answers 200 with no problem. 5 s is far past any card's latency (the
  // threshold is the fix's to choose; the test only asks that a 5 s hang shows).
  it("FINDING 4: /health tells of an fdatasync that has not returned for 5 s", async () => {
    const sync = new HeldSync();
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("h1") }), { walSync: sync.fn });
    await gw.credentials.add("h1", "generic-mqtt", "attack-pass-1");
    const h = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "h1",
      password: "attack-pass-1",
    });
    try {
      await pause(200);
      sync.holding = true;
      let acked = false;
      h.publish("dev/h1/evt/stuck.one", "{}", { qos: 1 }, (err) => {
        if (!err) acked = true;
      });
      await waitUntil(() => sync.waiting.length > 0, 5000, "a sync held");
      await pause(5500);
      expect(acked).toBe(false); // nothing acknowledged for 5.5 s
      const health = await gw.api.inject({ url: "/health" });
      const body = health.json() as { problems?: string[]; warnings?: string[] };
      expect([...(body.problems ?? []), ...(body.warnings ?? [])].join(" ")).toMatch(
        /QH_STORE_IO: an fdatasync of the WAL has not returned for 5 s/,
      );
      // before the fix: 200, no problem and no warning
      expect({
        status: health.statusCode,
        problems: body.problems ?? [],
        warnings: body.warnings ?? [],
      }).not.toEqual({
        status: 200,
        problems: [],
        warnings: [],
      });
    } finally {
      sync.holding = false;
      sync.release();
      h.end(true);
    }
  }, 15_000);
});
