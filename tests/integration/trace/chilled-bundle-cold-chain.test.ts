/**
 * A chilled distribution bundle's lot on a real SQLite file: trace.lot gives the readings of the
 * cold zone over the bundle's stay (as for a parcel), and trace.recall blocks it (bundle.recalled)
 * so its collection is refused.
 */
import { afterEach, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { TemperatureRecord } from "../../../src/domain/cold/record.js";
import { migrateCold } from "../../../src/domain/cold/schema.js";
import { migrateDistribution } from "../../../src/domain/distribution/schema.js";
import { DistributionStore } from "../../../src/domain/distribution/store.js";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { TraceLots } from "../../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../../src/domain/trace/outbox.js";
import { TraceService } from "../../../src/domain/trace/service.js";
import { openDatabase } from "../../../src/store/db.js";
import { tempDir } from "../../helpers/gateway.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

const GTIN = "04012345678901";
const T0 = Date.parse("2026-03-01T06:00:00.000Z");
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

it("gives the zone's readings over a chilled bundle's stay, and a recall blocks the bundle", async () => {
  const dir = tempDir("qh-bundle-cold-");
  const db = openDatabase({ dataDir: dir });
  const sink = new SqliteEventSink(`${dir}/events.sqlite`);
  closers.push(
    () => sink.close(),
    () => db.close(),
  );
  migrateDistribution(db);
  migrateCold(db);
  const clock = new ManualClock(T0);
  const outbox = new TraceOutbox(db, sink, clock, silentLogger());
  const lots = new TraceLots({ db, outbox, clock, log: silentLogger(), timeZone: "UTC" });
  const service = new TraceService({
    lots,
    outbox,
    zones: [{ id: "chilled", compartments: ["cold-a/C02"] }],
  });
  const store = new DistributionStore(db);
  store.insertRound("r1", null, T0);
  store.insertBundle(
    {
      bundle_id: "B1",
      round_id: "r1",
      household: "h1",
      code_hash: Buffer.alloc(32, 1),
      slot_from: null,
      slot_to: null,
      size: "M",
      zone: "chilled",
      state: "loading",
      position: 1,
    },
    T0,
  );
  store.patch("B1", { device: "cold-a", compartment: "C02" }, T0);
  const code = encodeGs1([
    { ai: "01", value: GTIN },
    { ai: "10", value: "FISH-8" },
  ]);
  await lots.loadBundle(
    { bundleId: "B1", roundId: "r1", device: "cold-a", compartment: "C02" },
    lots.scan(code),
    "k",
  );
  store.patch("B1", { state: "loaded", loaded_at: T0 }, T0);
  const record = new TemperatureRecord(db);
  for (let t = T0 - 300_000; t <= T0 + 1_200_000; t += 30_000)
    record.append(
      "chilled",
      { ts: t, temperatureC: t === T0 + 600_000 ? 9.5 : 3.1, quality: "ok", clockUnsynced: false },
      30,
    );
  clock.set(T0 + 1_200_000);
  expect(lots.bundleRefusal("B1", "collect")).toBeUndefined();

  const trace = (await service.lot(GTIN, "FISH-8")) as { coldChain: Record<string, unknown>[] };
  expect(trace.coldChain).toEqual([
    {
      bundleId: "B1",
      zone: "chilled",
      device: "cold-a",
      compartment: "C02",
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 1_200_000).toISOString(),
      readings: 41, // every 30 s over its 20 minutes inside, not the 5 minutes before
      gaps: 0,
      unsynced: 0,
      minC: 3.1,
      maxC: 9.5,
    },
  ]);

  const r = (await service.recall(GTIN, "FISH-8", "recall-8")) as {
    blocked: { bundles: unknown[] };
  };
  expect(r.blocked.bundles).toEqual([
    { bundleId: "B1", roundId: "r1", device: "cold-a", compartment: "C02", state: "loaded", inLocker: true },
  ]);
  expect(lots.bundleRefusal("B1", "collect")).toMatchObject({
    code: "QH_TRACE_LOT_RECALLED",
    details: { bundle: true, recallId: "recall-8" },
  });
  expect(sink.events("bundle.recalled").map((e) => e.data)).toEqual([
    {
      bundleId: "B1",
      roundId: "r1",
      compartment: "C02",
      state: "loaded",
      inLocker: true,
      gtin: GTIN,
      lot: "FISH-8",
      recallId: "recall-8",
      blocked: true,
    },
  ]);
});
