import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import type { Db } from "../../../src/store/db.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const QUOTA_MB = 3;
const big = (i: number) => ({ i, blob: "x".repeat(60_000) });
const fileSize = (dir: string) => {
  let n = 0;
  for (const f of ["quarterhour.db", "quarterhour.db-wal"]) {
    try {
      n += statSync(join(dir, f)).size;
    } catch {
      // absent
    }
  }
  return n;
};

/** What the store really uses: live pages plus the WAL (freed pages are reused, the file never shrinks). */
const usedBytes = (db: Db, file: string) =>
  ((db.pragma("page_count", { simple: true }) as number) -
    (db.pragma("freelist_count", { simple: true }) as number)) *
    (db.pragma("page_size", { simple: true }) as number) +
  (() => {
    try {
      return statSync(`${file}-wal`).size;
    } catch {
      return 0;
    }
  })();

/** Emit `n` 60 KB events, all in flight at once (a device with 50 QoS 1 publishes in flight). */
async function burst(
  gw: Awaited<ReturnType<typeof startTestGateway>>,
  n: number,
  from: number,
): Promise<{ ok: number; full: number }> {
  const r = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      gw.ingest.emit({ device: "d1", type: "big.event", data: big(from + i) }),
    ),
  );
  let ok = 0;
  let full = 0;
  for (const x of r) {
    if (x.status === "fulfilled") ok++;
    else if (isQhError(x.reason, "QH_STORE_FULL")) full++;
    else throw x.reason;
  }
  return { ok, full };
}

/**
 * The quota is held at write time, not only by the 10 s sample (issue 6's security finding: a
 * 30 MB quota let the database grow to 65.8 MB), and delivered events kept only for `replay` are
 * evicted, oldest first, before new events are refused.
 */
describe("disk quota", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startAedes();
  });
  afterAll(async () => up.stop());

  it("refuses events as soon as the quota would be crossed, without waiting for the sample", async () => {
    await up.stop(); // no platform: nothing is delivered, so nothing may be evicted
    const config = testConfig(up.url, { store: { diskQuotaMb: QUOTA_MB, lowDiskMb: 0 } });
    // the watermark sample never runs during the test
    const gw = await startTestGateway(config, { housekeepingMs: 3_600_000 });
    try {
      let ok = 0;
      let full = 0;
      for (let round = 0; round < 4; round++) {
        const r = await burst(gw, 50, round * 50);
        ok += r.ok;
        full += r.full;
      }
      expect(full).toBeGreaterThan(0);
      expect(ok).toBeGreaterThan(10); // it did accept until the quota
      expect(gw.db.prepare("SELECT count(*) FROM events").pluck().get()).toBe(ok); // acked = stored
      const quota = QUOTA_MB * 1048576;
      expect(usedBytes(gw.db, join(config.dataDir, "quarterhour.db"))).toBeLessThan(quota);
      expect(fileSize(config.dataDir)).toBeLessThan(quota * 1.1);
      const health = await gw.api.inject({ url: "/health" });
      expect(health.json().problems.join(" ")).toMatch(/disk (low|full)/);
    } finally {
      await gw.cleanup();
      up = await startAedes();
    }
  });

  it("evicts delivered events (oldest first) to make room, and never an undelivered one", async () => {
    const config = testConfig(up.url, { store: { diskQuotaMb: QUOTA_MB, lowDiskMb: 0 } });
    const gw = await startTestGateway(config, { housekeepingMs: 200 });
    const lastMark = () =>
      (gw.db.prepare("SELECT max(upto) FROM delivery_marks").pluck().get() as number | null) ?? 0;
    try {
      // twice the quota in 60 KB events, each burst delivered before the next
      let accepted = 0;
      let refused = 0;
      for (let round = 0; round < 10; round++) {
        const r = await burst(gw, 10, round * 10);
        accepted += r.ok;
        refused += r.full;
        await waitUntil(() => lastMark() >= gw.ingest.lastSeq, 20_000, "delivered");
        await new Promise((r) => setTimeout(r, 250)); // let a sample see it
      }
      // everything stored was delivered: room was made by evicting delivered events, none refused
      expect({ accepted, refused }).toEqual({ accepted: 100, refused: 0 });
      const more = await burst(gw, 10, 1000); // 10 in flight at once, at the quota
      expect(more).toEqual({ ok: 10, full: 0 });
      expect(await gw.registry.getSingleMetricAsString("qh_store_evicted_events_total")).toMatch(
        /qh_store_evicted_events_total [1-9]/,
      );
      const firstSeq = 1;
      const oldestLeft = gw.db.prepare("SELECT min(seq) FROM events").pluck().get() as number;
      expect(oldestLeft).toBeGreaterThan(firstSeq); // the oldest went first
      // the newest 10 are there (not yet delivered or just delivered), and seq never goes back
      expect(
        gw.db.prepare("SELECT count(*) FROM events WHERE json_extract(data, '$.i') >= 1000").pluck().get(),
      ).toBe(10);
      expect(usedBytes(gw.db, join(config.dataDir, "quarterhour.db"))).toBeLessThan(QUOTA_MB * 1048576);
      // the full state clears by itself
      await waitUntil(async () => {
        const h = await gw.api.inject({ url: "/health" });
        return !h.json().problems.includes("disk full");
      });
    } finally {
      await gw.cleanup();
    }
  });

  it("with nothing delivered to evict, undelivered events are kept and new ones refused", async () => {
    await up.stop();
    const config = testConfig(up.url, { store: { diskQuotaMb: QUOTA_MB, lowDiskMb: 0 } });
    const gw = await startTestGateway(config, { housekeepingMs: 200 });
    try {
      let ok = 0;
      let last = { ok: 0, full: 0 };
      for (let round = 0; round < 12; round++) {
        last = await burst(gw, 10, round * 10);
        ok += last.ok;
        await new Promise((r) => setTimeout(r, 300)); // samples run: they evict nothing undelivered
      }
      expect(last.full).toBeGreaterThan(0);
      expect(ok).toBeGreaterThan(10);
      expect(gw.db.prepare("SELECT count(*) FROM events").pluck().get()).toBe(ok);
      expect(await gw.registry.getSingleMetricAsString("qh_store_evicted_events_total")).toMatch(
        /qh_store_evicted_events_total 0/,
      );
    } finally {
      await gw.cleanup();
      up = await startAedes();
    }
  });
});
