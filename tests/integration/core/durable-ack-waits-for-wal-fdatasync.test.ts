/**
 * Issue 13: commits run on the event loop without an fsync (WAL, synchronous=NORMAL) and a group
 * fdatasync of the WAL runs in libuv's pool. An acknowledgement (the device's PUBACK) is released
 * only by an fdatasync that started after its commit; a failed fdatasync releases nothing.
 *
 * The fdatasync is the gateway's own seam (GatewayOptions.walSync, tests/helpers/held-sync.ts):
 * the test holds it back or fails it as the kernel would. Everything else is real: the MQTT device,
 * the upstream broker, SQLite files in a temp dir.
 */
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, tempDir, testConfig } from "../../helpers/gateway.js";
import { HeldSync } from "../../helpers/held-sync.js";
import { connectClient, Platform, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const count = (gw: { db: { prepare(s: string): { pluck(): { get(): unknown } } } }, type: string) =>
  gw.db.prepare(`SELECT count(*) FROM events_view WHERE type = '${type}'`).pluck().get() as number;

/** A few turns of the event loop and the pool: long enough for an ack that was not held back. */
const settle = () => new Promise((r) => setTimeout(r, 100));

describe("an acknowledgement waits for the WAL's fdatasync", () => {
  let up: Upstream;
  let platform: Platform;
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
  });
  afterEach(async () => {
    await gw?.cleanup();
    gw = undefined;
  });
  afterAll(async () => {
    await platform.close();
    await up.stop();
  });

  it("no PUBACK and nothing forwarded before an fdatasync that started after the commit completes", async () => {
    const sync = new HeldSync();
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("m1") }), { walSync: sync.fn });
    await gw.credentials.add("m1", "generic-mqtt", "held-sync-pass");
    const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "m1",
      password: "held-sync-pass",
    });
    sync.tagger = () => count(gw!, "first.one") + count(gw!, "second.one");
    try {
      sync.holding = true;
      let firstAcked = false;
      let secondAcked = false;
      dev.publish("dev/m1/evt/first.one", "{}", { qos: 1 }, (err) => {
        if (!err) firstAcked = true;
      });
      // committed (visible to SQLite), and its fdatasync started and is held
      await waitUntil(() => sync.heldAfter(1), 5000, "commit");
      await settle();
      expect(firstAcked).toBe(false);
      expect(gw.ingest.lastSeq).toBe(0); // nothing durable yet: nothing for the forwarder or replay
      expect(platform.events.filter((e) => e.type === "first.one")).toHaveLength(0);

      // a second event arrives while the card writes: committed at once, with its own fdatasync
      // (overlapping the first), never acknowledged before the first one's
      dev.publish("dev/m1/evt/second.one", "{}", { qos: 1 }, (err) => {
        if (!err) secondAcked = true;
      });
      await waitUntil(() => sync.heldAfter(2), 5000, "second commit, its own sync");
      // (a third may hold the device's own status event: the syncs are told apart by their tag)
      const second = sync.waiting.findIndex((w) => w.tag >= 2);
      expect(sync.waiting.findIndex((w) => w.tag === 1)).toBeLessThan(second);
      sync.releaseAt(second); // the second one's fdatasync completes first
      await settle();
      expect(secondAcked).toBe(false); // PUBACKs in the order the PUBLISHes arrived
      expect(firstAcked).toBe(false);
      expect(gw.ingest.lastSeq).toBe(0);
      sync.holding = false;
      sync.release();
      await waitUntil(() => firstAcked && secondAcked, 5000, "both PUBACKs after the first fdatasync");
      expect(gw.ingest.lastSeq).toBe(2);
      await platform.waitFor(() => platform.events.some((e) => e.type === "second.one"));
      expect(platform.events.filter((e) => e.type === "first.one")).toHaveLength(1);
    } finally {
      await dev.endAsync();
    }
  });

  it("a failed fdatasync acknowledges nothing, /health reports it coded, and the rows go on once durable again", async () => {
    const sync = new HeldSync();
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("m2") }), { walSync: sync.fn });
    await gw.credentials.add("m2", "generic-mqtt", "held-sync-pass");
    const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "m2",
      password: "held-sync-pass",
    });
    dev.on("error", () => {});
    sync.tagger = () => count(gw!, "lost.sync");
    try {
      sync.holding = true;
      let acked = false;
      const closed = new Promise<void>((r) => dev.once("close", () => r()));
      dev.publish("dev/m2/evt/lost.sync", JSON.stringify({ n: 1 }), { qos: 1 }, (err) => {
        if (!err) acked = true;
      });
      await waitUntil(() => sync.heldAfter(1), 5000, "commit");
      sync.fail("EIO");
      await closed; // not acknowledged: the broker closes the connection (MQTT-3.3.5-2)
      expect(acked).toBe(false);
      expect(gw.ingest.lastSeq).toBe(0);
      expect(gw.ingest.heldBack).toBe(1);

      const health = await gw.api.inject({ url: "/health" });
      expect(health.statusCode).toBe(503);
      const problems = health.json().problems as string[];
      expect(problems).toContain("store: I/O error");
      expect(problems).toContainEqual(
        expect.stringMatching(/^store failing writes: QH_STORE_IO: WAL fdatasync/),
      );
      // refused while the store is not known to be durable: a coded error, never an ack
      await expect(gw.ingest.emit({ device: "x", type: "during.fault", data: {} })).rejects.toMatchObject({
        code: "QH_STORE_IO",
      });
      expect(platform.events.filter((e) => e.type === "lost.sync")).toHaveLength(0);

      // the card takes writes again: the keeper's probe checkpoints fully, syncs, and the fault ends
      sync.holding = false;
      await waitUntil(
        async () => (await gw!.api.inject({ url: "/health" })).json().problems.length === 0,
        10_000,
        "healthy again",
      );
      // the row held back since the failure is durable now (full checkpoint): it goes to the platform
      await platform.waitFor(() => platform.events.some((e) => e.type === "lost.sync"));
      expect(gw.ingest.heldBack).toBe(0);
      expect(gw.ingest.lastSeq).toBe(1);
      const acc = await gw.ingest.emit({ device: "x", type: "after.fault", data: {} });
      expect(acc.seq).toBe(2);
    } finally {
      dev.end(true);
    }
  });
});

/**
 * Ordering, not durability: the files are copied (from the page cache) when each sync starts, and
 * the copy taken at the start of the last completed sync stands for "what that sync covered". Every
 * acknowledged event must be in it: no ack is released before a sync that started after its
 * commit has completed. This cannot tell whether the sync reached the disk at all (a sync that does
 * nothing and reports success passes here): that is checked on the real process's system calls in
 * tests/e2e/puback-after-wal-fdatasync-strace.test.ts.
 */
describe("ordering: no ack before a completed sync that started after the commit", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startAedes();
  });
  afterAll(async () => up.stop());

  it("the files as of the last completed sync's start hold every acknowledged event, while commits ran ahead", async () => {
    const sync = new HeldSync();
    const config = testConfig(up.url, { devices: mqttDevices("p1", "p2") });
    const image = tempDir("qh-powercut-");
    const db = join(config.dataDir, "quarterhour.db");
    let n = 0;
    // syncs overlap: the disk is known to hold a start's image once that sync and every one started
    // before it completed (what the gateway's in-order release relies on)
    const completed = new Set<number>();
    let durable = 0;
    sync.beforeSync = () => {
      n++;
      for (const f of ["", "-wal"]) {
        if (existsSync(db + f)) copyFileSync(db + f, join(image, `start-${n}${f}`));
      }
      return n;
    };
    sync.afterSync = (token) => {
      completed.add(token!);
      while (completed.has(durable + 1)) durable++;
    };
    const gw = await startTestGateway(config, { walSync: sync.fn });
    try {
      await gw.credentials.add("p1", "generic-mqtt", "power-cut-pass");
      await gw.credentials.add("p2", "generic-mqtt", "power-cut-pass");
      const devs = await Promise.all(
        ["p1", "p2"].map((u) =>
          connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
            username: u,
            password: "power-cut-pass",
          }),
        ),
      );
      const acked = new Set<string>();
      const committed = () => gw.db.prepare("SELECT count(*) FROM events").pluck().get() as number;
      sync.tagger = committed;
      let i = 0;
      const publish = (d: number) => {
        const key = `${d}-${i++}`;
        devs[d]!.publish(`dev/p${d + 1}/evt/meter.tick`, JSON.stringify({ key }), { qos: 1 }, (err) => {
          if (!err) acked.add(key);
        });
      };
      // a steady flow: 40 in flight per device
      for (let k = 0; k < 40; k++) for (const d of [0, 1]) publish(d);
      await waitUntil(() => acked.size >= 60, 10_000, "acks flowing");
      // the power is about to go: the next fdatasync never completes
      sync.holding = true;
      for (let k = 0; k < 20; k++) for (const d of [0, 1]) publish(d);
      const before = committed();
      await waitUntil(() => sync.heldAfter(before + 1), 10_000, "a commit after the last completed sync");
      await new Promise((r) => setTimeout(r, 100));
      const ackedAtCut = new Set(acked);

      // what the disk holds: the files as of the last completed sync's start, opened as SQLite would
      const restored = tempDir("qh-restored-");
      copyFileSync(join(image, `start-${durable}`), join(restored, "quarterhour.db"));
      if (existsSync(join(image, `start-${durable}-wal`)))
        copyFileSync(join(image, `start-${durable}-wal`), join(restored, "quarterhour.db-wal"));
      const disk = new Database(join(restored, "quarterhour.db"));
      const keys = new Set(
        (disk.prepare("SELECT data FROM events_view").pluck().all() as string[]).map(
          (d) => (JSON.parse(d) as { key: string }).key,
        ),
      );
      disk.close();
      rmSync(restored, { recursive: true, force: true });
      expect(ackedAtCut.size).toBeGreaterThanOrEqual(60);
      for (const k of ackedAtCut) expect(keys.has(k), `acknowledged ${k} on the disk`).toBe(true);
      // the test means something: the live store had committed more than the disk held
      expect(committed()).toBeGreaterThan(keys.size);

      sync.holding = false;
      sync.release();
      await Promise.all(devs.map((d) => d.endAsync()));
    } finally {
      sync.holding = false;
      sync.release();
      await gw.cleanup();
      rmSync(image, { recursive: true, force: true });
    }
  });
});
