import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, writeConfig } from "../../helpers/cli.js";
import { mqttDevices, startTestGateway, tempDir, testConfig } from "../../helpers/gateway.js";
import { mountSmallDisk, SMALL_DISK_UNAVAILABLE, type SmallDisk } from "../../helpers/small-disk.js";
import {
  connectClient,
  freePort,
  Platform,
  startAedes,
  type Upstream,
  waitUntil,
} from "../../helpers/upstream.js";

/** An event not yet delivered: above the delivery watermark and not marked on its own. */
const PENDING = "seq > (SELECT coalesce(max(upto), 0) FROM delivery_marks) AND delivered_at IS NULL";

/**
 * A real full disk: a 16 MB tmpfs filled to the last byte. Every write path meets SQLITE_FULL for
 * real (event commit, delivery marks, telemetry buffer, device state); the gateway stays up,
 * degraded, refuses what it cannot store and recovers by itself when the space is back. The disk
 * watermark is switched off (lowDiskMb: 0): only the disk's own refusals count here.
 */
describe.skipIf(SMALL_DISK_UNAVAILABLE !== undefined)(
  `a real full disk ${SMALL_DISK_UNAVAILABLE ?? ""}`,
  () => {
    let disk: SmallDisk;
    let up: Upstream;
    let upPort: number;
    beforeAll(async () => {
      disk = mountSmallDisk(16);
      upPort = await freePort();
      up = await startAedes(upPort);
    });
    afterAll(async () => {
      await up.stop();
      disk.unmount();
    });

    const config = (name: string) =>
      testConfig(up.url, { store: { lowDiskMb: 0 }, devices: mqttDevices("d1") }, join(disk.dir, name));

    it("refuses, survives failing delivery marks, telemetry and state, recovers when space returns", async () => {
      const gw = await startTestGateway(config("a"), { housekeepingMs: 200 });
      const platform = await Platform.connect(up.url);
      try {
        await gw.credentials.add("d1", "generic-mqtt", "disk-secret");
        const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
        const dev = await connectClient(url, { username: "d1", password: "disk-secret" });
        dev.on("error", () => {});
        await dev.publishAsync("dev/d1/evt/before", "{}", { qos: 1 });
        await platform.waitFor(() => platform.events.some((e) => e.type === "before"));
        await waitUntil(
          () => gw.db.prepare(`SELECT count(*) FROM events WHERE ${PENDING}`).pluck().get() === 0,
          20_000,
          "the first event's delivery mark on disk",
        );

        // the platform goes away; five events are committed and wait in the outbox
        await platform.close();
        await up.stop();
        await waitUntil(
          async () => (await gw.api.inject({ url: "/health" })).json().uplink.connected === false,
        );
        for (let i = 0; i < 5; i++)
          await dev.publishAsync("dev/d1/evt/pending", JSON.stringify({ i }), { qos: 1 });

        disk.fill();

        // an event the disk cannot take: no PUBACK, the connection is closed (MQTT-3.3.5-2)
        const closed = new Promise<void>((r) => dev.once("close", () => r()));
        let acked = false;
        dev.publish("dev/d1/evt/refused", "{}", { qos: 1 }, (err) => {
          if (!err) acked = true;
        });
        await closed;
        expect(acked).toBe(false);
        dev.end(true);
        const health = await gw.api.inject({ url: "/health" });
        expect(health.statusCode).toBe(503);
        expect(health.json().problems).toContain("store: disk full");
        await expect(gw.ingest.emit({ device: "x", type: "refused.too", data: {} })).rejects.toMatchObject({
          code: "QH_STORE_FULL",
        });

        // telemetry and state on the full disk: taken from the device, not stored, nothing crashes
        const dev2 = await connectClient(url, { username: "d1", password: "disk-secret" });
        await dev2.publishAsync("dev/d1/tele", JSON.stringify({ t: 1 }), { qos: 1 });
        await dev2.publishAsync("dev/d1/state", JSON.stringify({ mode: "x" }), { qos: 1 });

        // the platform is back: the five pending events go out; their delivery marks cannot be written
        up = await startAedes(upPort);
        const platform2 = await Platform.connect(up.url);
        try {
          await platform2.waitFor(() => platform2.events.filter((e) => e.type === "pending").length === 5);
          await new Promise((r) => setTimeout(r, 1500)); // the marks' flush (1 s) has met the full disk
          expect((await gw.api.inject({ url: "/health" })).json().problems).toContain("store: disk full");
          expect(gw.db.prepare(`SELECT count(*) FROM events WHERE ${PENDING}`).pluck().get()).toBe(5);

          // the space is back: the gateway leaves the refusing state by itself
          disk.release();
          await waitUntil(
            async () =>
              !(await gw.api.inject({ url: "/health" })).json().problems.includes("store: disk full"),
          );
          await waitUntil(
            () => gw.db.prepare(`SELECT count(*) FROM events WHERE ${PENDING}`).pluck().get() === 0,
          );
          await dev2.publishAsync("dev/d1/evt/after", "{}", { qos: 1 });
          await platform2.waitFor(() => platform2.events.some((e) => e.type === "after"));
          expect(platform2.events.some((e) => e.type === "refused")).toBe(false);
          expect((await gw.api.inject({ url: "/health" })).statusCode).toBe(200);
          await dev2.endAsync();
        } finally {
          await platform2.close();
        }
      } finally {
        disk.release();
        await gw.stop();
      }
    });

    it("a restart on a disk with no room for the WAL's files is a coded QH_STORE_FULL, then starts once freed", async () => {
      const gw1 = await startTestGateway(config("b"));
      await gw1.ingest.emit({ device: "x", type: "first", data: {} });
      await waitUntil(async () => (await gw1.api.inject({ url: "/health" })).statusCode === 200);
      await gw1.stop();
      disk.fill(); // after the stop: closing the database removed its WAL and -shm and freed that space
      await expect(startTestGateway(config("b"))).rejects.toMatchObject({ code: "QH_STORE_FULL" });
      disk.release();
      const gw = await startTestGateway(config("b"));
      try {
        const acc = await gw.ingest.emit({ device: "x", type: "second", data: {} });
        expect(acc.seq).toBe(2);
      } finally {
        await gw.stop();
      }
    });

    it("the CLI on a full disk: exit 1 (systemd restarts it) with a coded error, no stack", () => {
      const cfgDir = tempDir();
      try {
        const cfg = writeConfig(cfgDir, {
          gateway: { id: "gw-full", site: "test" },
          dataDir: join(disk.dir, "b"), // the database of the test before: a restart
          deviceBroker: { host: "127.0.0.1", port: 0 },
          uplink: { url: up.url },
          api: { host: "127.0.0.1", port: 0 },
          store: { lowDiskMb: 0 },
        });
        disk.fill();
        const r = runCli(["start", "--config", cfg]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("error QH_STORE_FULL");
        expect(r.stderr).not.toMatch(/^\s+at /m);
      } finally {
        disk.release();
        rmSync(cfgDir, { recursive: true, force: true });
      }
    });
  },
);
