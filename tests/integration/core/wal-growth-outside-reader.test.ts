import { statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const walBytes = (dir: string) => {
  try {
    return statSync(join(dir, "quarterhour.db-wal")).size;
  } catch {
    return 0;
  }
};

/**
 * An outside reader (a backup, `sqlite3` in a shell) holds a read transaction: no checkpoint can
 * pass its snapshot, so the WAL grows. With a quota the gateway reaches "disk full" and refuses
 * events; once the reader lets go the WAL is checkpointed and truncated and the gateway accepts
 * events again by itself, without a restart.
 */
describe("WAL growth while an outside reader holds a snapshot", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startAedes();
  });
  afterAll(async () => up.stop());

  it("grows to the quota, refuses, and shrinks and accepts again once the reader lets go", async () => {
    // one event per commit: each commit appends whole pages to the WAL (the worst case)
    const config = testConfig(up.url, {
      store: { walMaxMb: 1, diskQuotaMb: 6, lowDiskMb: 0, synchronous: "NORMAL" },
    });
    const gw = await startTestGateway(config, { housekeepingMs: 100 });
    const reader = new Database(join(config.dataDir, "quarterhour.db"), { readonly: true });
    try {
      await gw.ingest.emit({ device: "x", type: "first", data: {} });
      reader.exec("BEGIN");
      expect(reader.prepare("SELECT count(*) FROM events").pluck().get()).toBe(1); // the snapshot

      let refused = false;
      for (let i = 0; i < 20_000 && !refused; i++) {
        try {
          await gw.ingest.emit({ device: "x", type: "grow", data: { i, pad: "p".repeat(150) } });
        } catch (err) {
          if (!isQhError(err, "QH_STORE_FULL")) throw err;
          refused = true;
        }
      }
      expect(refused).toBe(true);
      expect(walBytes(config.dataDir)).toBeGreaterThan(4 * 1048576);
      const health = await gw.api.inject({ url: "/health" });
      expect(health.json().problems).toContain("disk full");

      // the keeper tries meanwhile and is held back by the snapshot: the WAL stays
      expect(walBytes(config.dataDir)).toBeGreaterThan(4 * 1048576);

      reader.exec("COMMIT"); // the reader lets go
      await waitUntil(() => walBytes(config.dataDir) <= 1048576, 20_000, "the WAL truncated");
      await waitUntil(
        async () => !(await gw.api.inject({ url: "/health" })).json().problems.includes("disk full"),
        20_000,
        "the refusing state left",
      );
      const acc = await gw.ingest.emit({ device: "x", type: "after", data: {} });
      expect(acc.seq).toBeGreaterThan(1);
      expect(await gw.registry.getSingleMetricAsString("qh_wal_checkpoints_total")).toMatch(
        /outcome="busy"} [1-9]/,
      );
    } finally {
      reader.close();
      await gw.cleanup();
    }
  });

  it("store.fsync background: truncated to store.walMaxMb after the reader lets go, with no commit after", async () => {
    // the review's case: background fsync, walMaxMb 2, a reader held a snapshot while the WAL grew
    const config = testConfig(up.url, {
      store: { walMaxMb: 2, lowDiskMb: 0, synchronous: "FULL", fsync: "background" },
    });
    const gw = await startTestGateway(config, { housekeepingMs: 100 });
    const reader = new Database(join(config.dataDir, "quarterhour.db"), { readonly: true });
    try {
      expect(gw.db.pragma("journal_size_limit", { simple: true })).toBe(2 * 1048576);
      await gw.ingest.emit({ device: "x", type: "first", data: {} });
      reader.exec("BEGIN");
      expect(reader.prepare("SELECT count(*) FROM events").pluck().get()).toBe(1); // the snapshot
      for (let i = 0; walBytes(config.dataDir) < 5 * 1048576; i++) {
        await Promise.all(
          Array.from({ length: 20 }, (_, k) =>
            gw.ingest.emit({ device: "x", type: "grow", data: { i, k, pad: "p".repeat(150) } }),
          ),
        );
      }
      reader.exec("COMMIT"); // the reader lets go; nothing is published after
      await waitUntil(() => walBytes(config.dataDir) <= 2 * 1048576, 20_000, "the WAL cut back to walMaxMb");
      const acc = await gw.ingest.emit({ device: "x", type: "after", data: {} });
      expect(acc.seq).toBeGreaterThan(1);
    } finally {
      reader.close();
      await gw.cleanup();
    }
  });

  it("sets a journal size limit, so an autocheckpoint cuts a grown WAL back", async () => {
    const config = testConfig(up.url);
    const gw = await startTestGateway(config);
    try {
      expect(gw.db.pragma("journal_size_limit", { simple: true })).toBe(4000 * 4096);
    } finally {
      await gw.cleanup();
    }
  });
});
