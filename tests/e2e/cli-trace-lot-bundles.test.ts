/**
 * `quarterhour trace lot` names the distribution bundles a lot went into (issue 11), as a real
 * child process on a real store with the gateway stopped: a lot scanned into a bundle that was
 * collected, and the same lot named by the platform for a bundle still inside; the text lists
 * both bundles with their round, compartment, state and whether collected; the JSON the same,
 * without the household.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { migrateDistribution } from "../../src/domain/distribution/schema.js";
import { DistributionStore } from "../../src/domain/distribution/store.js";
import { encodeGs1 } from "../../src/domain/trace/gs1.js";
import { TraceLots } from "../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../src/domain/trace/outbox.js";
import { openDatabase } from "../../src/store/db.js";
import { runCliAsync } from "../helpers/cli.js";
import { SqliteEventSink } from "../helpers/sqlite-event-sink.js";

const ROOT = join(import.meta.dirname, "../..");
const GTIN = "04012345678901";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("prints the bundles a lot went into, collected or not", async () => {
  const dir = mkdtempSync(join(tmpdir(), "qh-trace-bundles-"));
  dirs.push(dir);
  const db = openDatabase({ dataDir: dir });
  migrateDistribution(db);
  const t0 = Date.parse("2026-05-01T09:00:00.000Z");
  const clock = new ManualClock(t0);
  const sink = new SqliteEventSink(join(dir, "events.sqlite"));
  const outbox = new TraceOutbox(db, sink, clock, silentLogger());
  const lots = new TraceLots({ db, outbox, clock, log: silentLogger(), timeZone: "UTC" });
  const store = new DistributionStore(db);
  store.insertRound("r1", null, t0);
  for (const [i, id] of ["B1", "B2"].entries())
    store.insertBundle(
      {
        bundle_id: id,
        round_id: "r1",
        household: `household-${id}`,
        code_hash: Buffer.alloc(32, i),
        slot_from: null,
        slot_to: null,
        size: "M",
        zone: "ambient",
        state: "pending",
        position: i + 1,
      },
      t0,
    );
  lots.recordPlannedLots(t0, "gw-1", "B2", [{ gtin: GTIN, lot: "RICE-7", quantity: 2 }], "distribution.load");
  store.patch("B1", { state: "loading", device: "locker-a", compartment: "A03" }, t0);
  const code = encodeGs1([
    { ai: "01", value: GTIN },
    { ai: "10", value: "RICE-7" },
    { ai: "17", value: "301231" },
  ]);
  await lots.loadBundle(
    { bundleId: "B1", roundId: "r1", device: "locker-a", compartment: "A03" },
    lots.scan(code),
    "kiosk-a",
  );
  store.patch("B1", { state: "loaded", loaded_at: t0 + 60_000 }, t0 + 60_000);
  store.patch("B1", { state: "collected", collected_at: t0 + 3_600_000 }, t0 + 3_600_000);
  store.patch("B2", { state: "loaded", device: "locker-a", compartment: "A05", loaded_at: t0 }, t0);
  db.close();
  sink.close();

  const text = await runCliAsync(["trace", "lot", GTIN, "RICE-7", "--data-dir", dir], { cwd: ROOT });
  expect(text.status, text.stderr).toBe(0);
  expect(text.stdout).toContain("locker-a bundle B1 (A03)  ×1");
  expect(text.stdout).toContain("gw-1 bundle B2  ×2");
  expect(text.stdout).toContain("in 2 bundle(s):");
  // B1 was collected; B2 is still in its compartment: the one place the lot is still held
  expect(text.stdout).toContain("still held in 1 place(s):\n  still in locker-a/A05  bundle B2 (loaded)\n");
  expect(text.stdout).toContain("sold: none\nin parcels: none\n");
  expect(text.stdout).toContain(
    "  B1  round r1  locker-a/A03  collected  collected 2026-05-01T10:00:00.000Z",
  );
  expect(text.stdout).toContain("  B2  round r1  locker-a/A05  loaded  not collected");
  expect(text.stdout).not.toContain("household");

  const json = await runCliAsync(["trace", "lot", GTIN, "RICE-7", "--json", "--data-dir", dir], {
    cwd: ROOT,
  });
  expect(json.status, json.stderr).toBe(0);
  const t = JSON.parse(json.stdout) as { bundles: Record<string, unknown>[] };
  // in the order the lot went in: B2's named at the round's load, then B1's scan
  expect(t.bundles).toEqual([
    {
      bundleId: "B2",
      roundId: "r1",
      device: "locker-a",
      compartment: "A05",
      state: "loaded",
      loadedAt: "2026-05-01T09:00:00.000Z",
      collected: false,
      collectedAt: null,
      retrieved: false,
    },
    {
      bundleId: "B1",
      roundId: "r1",
      device: "locker-a",
      compartment: "A03",
      state: "collected",
      loadedAt: "2026-05-01T09:01:00.000Z",
      collected: true,
      collectedAt: "2026-05-01T10:00:00.000Z",
      retrieved: false,
    },
  ]);
});
