/**
 * Attack / gap (review of issue 11): a bundle's lot expires while the bundle waits in the locker
 * (a round may run 31 days; chilled food keeps days), and the resident is handed it anyway.
 *
 * A vending slot holding a lot past its (17) date is blocked from sale (`lot_expired`); a pack
 * label scanned into a bundle is refused once expired. But the refusal the collect desk (and the
 * volunteer's label) asks for, `bundleRefusal` (src/domain/trace/bundles.ts), reads recalls only:
 * a bundle whose lot expired after it was loaded (or whose planned lot, checked at
 * `distribution.load`, expired before the volunteer loads it) is collected as if fresh, and the
 * trace never says it was handed out expired.
 *
 * What should happen: like the slot: a bundle holding a lot past its date is not handed out
 * (QH_TRACE_LOT_EXPIRED before any door moves; the platform decides) or at least not loaded.
 * Cause: src/domain/trace/bundles.ts bundleRefusal (recalls only), src/domain/distribution/
 * collect.ts and loading.ts (ask only that).
 *
 * Fixed (src/domain/trace/bundles.ts bundleRefusal reads expiries too): a regular test now.
 * Real SQLite file in a temp dir, manual clock.
 */
import { afterEach, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { migrateDistribution } from "../../../src/domain/distribution/schema.js";
import { DistributionStore } from "../../../src/domain/distribution/store.js";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { TraceLots } from "../../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../../src/domain/trace/outbox.js";
import { openDatabase } from "../../../src/store/db.js";
import { tempDir } from "../../helpers/gateway.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

const GTIN = "04012345678901";
const T0 = Date.parse("2026-03-01T06:00:00.000Z");
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

// attack: chilled fish expiring 2026-03-02 collected on 2026-03-05; fixed when this fails
it("a bundle holding a lot past its expiry date is not handed out", async () => {
  const dir = tempDir("qh-bundle-expired-");
  const db = openDatabase({ dataDir: dir });
  const sink = new SqliteEventSink(`${dir}/events.sqlite`);
  closers.push(
    () => sink.close(),
    () => db.close(),
  );
  migrateDistribution(db);
  const clock = new ManualClock(T0);
  const outbox = new TraceOutbox(db, sink, clock, silentLogger());
  const lots = new TraceLots({ db, outbox, clock, log: silentLogger(), timeZone: "UTC" });
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
  const label = encodeGs1(
    [
      { ai: "01", value: GTIN },
      { ai: "17", value: "260302" },
      { ai: "10", value: "FISH-8" },
    ],
    { symbology: "]d2" },
  );
  // fresh when loaded: recorded
  await lots.loadBundle(
    { bundleId: "B1", roundId: "r1", device: "cold-a", compartment: "C02" },
    lots.scan(label),
    "kiosk-a",
  );
  store.patch("B1", { state: "loaded", loaded_at: T0 }, T0);
  expect(lots.bundleRefusal("B1", "collect")).toBeUndefined();
  // four days later the same label is refused at a scan, but the bundle holding it is handed out
  clock.set(T0 + 4 * 86_400_000);
  let refused: unknown;
  try {
    lots.scan(label);
  } catch (err) {
    refused = err;
  }
  expect(refused).toMatchObject({ code: "QH_TRACE_LOT_EXPIRED" });
  // today: undefined (the collect desk pulses the door)
  const collect = lots.bundleRefusal("B1", "collect");
  expect(collect).toMatchObject({ code: "QH_TRACE_LOT_EXPIRED", details: { expiry: "2026-03-02" } });
  // the resident's answer names no bundle (whoever typed the code may have guessed it)
  expect(collect?.details).not.toHaveProperty("bundleId");
  // a volunteer's label for it (the same lots, a planned one too) is refused before any door moves
  expect(lots.bundleRefusal("B1", "load")).toMatchObject({
    code: "QH_TRACE_LOT_EXPIRED",
    details: { bundleId: "B1" },
  });
  // a lot the platform named, good through today and expired tomorrow
  store.insertBundle(
    {
      bundle_id: "B2",
      round_id: "r1",
      household: "h2",
      code_hash: Buffer.alloc(32, 2),
      slot_from: null,
      slot_to: null,
      size: "M",
      zone: "chilled",
      state: "pending",
      position: 2,
    },
    clock.now(),
  );
  lots.recordPlannedLots(clock.now(), "gw", "B2", [{ gtin: GTIN, lot: "MILK-2", expiry: "2026-03-05" }], "t");
  expect(lots.bundleRefusal("B2", "load")).toBeUndefined();
  clock.set(T0 + 5 * 86_400_000);
  expect(lots.bundleRefusal("B2", "load")).toMatchObject({ code: "QH_TRACE_LOT_EXPIRED" });
});
