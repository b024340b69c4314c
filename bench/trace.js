// trace.lot over a year of local records (scenario "trace" of `npm run bench`; alone:
// `node bench/trace.js`). Prints figures; asserts nothing. Method and figures: docs/traceability.md.
//
// The demo site's layout at a real site's rates, one year (366 days), in a fresh SQLite file
// (WAL; synchronous NORMAL only to generate faster: the rows and indexes are the gateway's):
//   cold      2 zones (chilled, frozen) read every 30 s, the default: 2 × 1,054,080 readings,
//             appended through the record (TemperatureRecord, ~1 byte/reading blocks)
//   vending   1 machine, 6 slots, 150 vends a day (54,900 sales); every slot restocked by scan
//             every 2 days with a new lot (1,098 lot loads)
//   lockers   36 compartments, 80 parcels a day (29,280), 12 of them into the chilled zone with
//             1-3 lots scanned each; a chilled lot runs for a week (so a lot is in ~80-250 parcels)
//   emergency a distribution round every 30 days (13 a year), 600 chilled bundles each, every bundle
//             with one lot of the week (one of three), 90 % collected, 10 % unclaimed: 7,800 bundles,
//             the traced lot in ~200 of them
// Then the trace of one lot (its loads, vends, parcels and the cold-chain readings of every parcel's
// stay) through the built `traceLot`, BENCH_TRACE_RUNS (7) times after one warm-up: the median
// against the goal of 1 s. BENCH_QUICK=1: 30 days.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const DIST = new URL("../dist/", import.meta.url);
const imp = (p) => import(new URL(p, DIST).href);
const QUICK = process.env.BENCH_QUICK === "1";
const DAYS = Number(process.env.BENCH_TRACE_DAYS ?? (QUICK ? 30 : 366));
const RUNS = Number(process.env.BENCH_TRACE_RUNS ?? 7);
const log = (s) => process.stderr.write(`${s}\n`);
const DAY = 86_400_000;
const T0 = Date.parse("2025-11-30T00:00:00.000Z");
const GTIN_FISH = "06901234567892";
const ZONES = [
  { id: "chilled", compartments: Array.from({ length: 6 }, (_, i) => `cold-a/C0${i + 1}`) },
  { id: "frozen", compartments: Array.from({ length: 6 }, (_, i) => `cold-a/F0${i + 1}`) },
];

let prepared;

/** Build the year of records once per process (reused by every run of the scenario). */
async function prepare() {
  if (prepared) return prepared;
  const Database = (await import("better-sqlite3")).default;
  const { migrateVending } = await imp("domain/vending/schema.js");
  const { migrateLocker } = await imp("domain/locker/schema.js");
  const { migrateCold } = await imp("domain/cold/schema.js");
  const { migrateTrace } = await imp("domain/trace/schema.js");
  const { migrateDistribution } = await imp("domain/distribution/schema.js");
  const { TemperatureRecord } = await imp("domain/cold/record.js");
  const dir = mkdtempSync(join(tmpdir(), "qh-bench-trace-"));
  const db = new Database(join(dir, "quarterhour.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  for (const m of [migrateVending, migrateLocker, migrateCold, migrateTrace, migrateDistribution]) m(db);
  const t0 = performance.now();

  // cold: every 30 s, both zones, in transactions of a block
  const rec = new TemperatureRecord(db);
  const per = (DAYS * DAY) / 30_000;
  for (const [zi, zone] of ["chilled", "frozen"].entries()) {
    const base = zi === 0 ? 4 : -19;
    for (let i = 0; i < per; i += 960) {
      db.transaction(() => {
        for (let j = i; j < Math.min(per, i + 960); j++) {
          const c = base + Math.round(Math.sin(j / 120) * 10) / 10;
          rec.append(zone, { ts: T0 + j * 30_000, temperatureC: c, quality: "ok", clockUnsynced: false }, 30);
        }
      })();
    }
  }
  const coldS = (performance.now() - t0) / 1000;

  // vending: restock by scan every 2 days per slot, 150 sales a day
  const load = db.prepare(
    `INSERT INTO trace_loads (gtin, lot, expiry, quantity, kind, device, slot, parcel_id, sales_from, sales_to, loaded_at, ended_at, by, code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench', '')`,
  );
  const sale = db.prepare(
    `INSERT INTO vending_sales (id, device, slot, product, price, payment, payment_ref, offline, ts, clock_unsynced)
     VALUES (?, 'vending-a', ?, ?, 300, 'cash', NULL, 0, ?, 0)`,
  );
  let saleN = 0;
  let rowid = 0;
  const open = new Map(); // slot -> load id
  const endLoad = db.prepare("UPDATE trace_loads SET ended_at = ?, sales_to = ? WHERE id = ?");
  db.transaction(() => {
    for (let d = 0; d < DAYS; d++) {
      const at = T0 + d * DAY;
      if (d % 2 === 0)
        for (let slot = 1; slot <= 6; slot++) {
          const prev = open.get(slot);
          if (prev !== undefined) endLoad.run(at, rowid, prev);
          const info = load.run(
            `0690123456${String(slot).padStart(3, "0")}0`.slice(0, 14),
            `V${slot}-${d}`,
            null,
            10,
            "slot",
            "vending-a",
            slot,
            null,
            rowid,
            null,
            at,
            null,
          );
          open.set(slot, Number(info.lastInsertRowid));
        }
      for (let k = 0; k < 150; k++) {
        const slot = 1 + (k % 6);
        sale.run(`s-${++saleN}`, slot, `p${slot}`, at + k * 400_000);
        rowid++;
      }
    }
  })();

  // lockers: 80 parcels a day, 12 into the chilled zone with 1-3 lots each
  const parcel = db.prepare(
    `INSERT INTO locker_parcels (id, kind, barcode, device, compartment, size, state, created_at, deposited_at, closed_at, updated_at)
     VALUES (?, 'delivery', ?, ?, ?, 'M', 'picked_up', ?, ?, ?, ?)`,
  );
  let parcels = 0;
  db.transaction(() => {
    for (let d = 0; d < DAYS; d++) {
      const at = T0 + d * DAY;
      for (let k = 0; k < 80; k++) {
        const cold = k < 12;
        const id = `p-${++parcels}`;
        const dev = cold ? "cold-a" : "locker-a";
        const comp = cold ? `C0${1 + (k % 6)}` : `A${String(1 + (k % 24)).padStart(2, "0")}`;
        const dep = at + k * 900_000;
        const gone = dep + (2 + (k % 40)) * 3_600_000;
        parcel.run(id, `PKG-${parcels}`, dev, comp, dep, dep, gone, gone);
        if (!cold) continue;
        for (let l = 0; l <= k % 3; l++)
          load.run(
            GTIN_FISH,
            `F${Math.floor(d / 7)}-${l}`,
            null,
            1,
            "parcel",
            dev,
            null,
            id,
            null,
            null,
            dep,
            null,
          );
      }
    }
  })();
  // emergency: a round every 30 days, on the traced lot's week among others
  const roundRow = db.prepare(
    "INSERT INTO distribution_rounds (round_id, state, closes_at, created_at, closed_at, close_reason) VALUES (?, 'closed', ?, ?, ?, 'command')",
  );
  const bundleRow = db.prepare(
    `INSERT INTO distribution_bundles (bundle_id, round_id, household, code_hash, size, zone, state, device, compartment, position, loaded_at, collected_at, updated_at)
     VALUES (?, ?, ?, ?, 'M', 'chilled', ?, 'cold-a', ?, ?, ?, ?, ?)`,
  );
  const bundleLot = db.prepare(
    `INSERT INTO trace_loads (gtin, lot, quantity, kind, device, bundle_id, loaded_at, by, code)
     VALUES (?, ?, 1, 'bundle', 'cold-a', ?, ?, 'bench', '')`,
  );
  let bundles = 0;
  db.transaction(() => {
    for (let d = Math.floor(DAYS / 2) % 30; d < DAYS; d += 30) {
      const at = T0 + d * DAY;
      const round = `R-${d}`;
      roundRow.run(round, at + DAY, at, at + DAY);
      for (let k = 0; k < 600; k++) {
        const id = `B-${d}-${k}`;
        bundles++;
        const loaded = at + k * 60_000;
        const collected = k % 10 === 9 ? null : loaded + (1 + (k % 20)) * 3_600_000;
        bundleRow.run(
          id,
          round,
          `h-${k}`,
          Buffer.from(id),
          collected === null ? "unclaimed" : "collected",
          `C0${1 + (k % 6)}`,
          k,
          loaded,
          collected,
          collected ?? at + DAY,
        );
        bundleLot.run(GTIN_FISH, `F${Math.floor(d / 7)}-${k % 3}`, id, loaded);
      }
    }
  })();
  const genS = (performance.now() - t0) / 1000;
  db.pragma("wal_checkpoint(TRUNCATE)");
  const target = `F${Math.floor(DAYS / 2 / 7)}-0`;
  prepared = { dir, db, coldS, genS, readings: 2 * per, sales: saleN, parcels, bundles, target };
  return prepared;
}

export async function traceBench() {
  const p = await prepare();
  const { traceLot } = await imp("domain/trace/report.js");
  const { ensureTraceIndexes } = await imp("domain/trace/schema.js");
  ensureTraceIndexes(p.db);
  const now = T0 + DAYS * DAY;
  const once = async () => {
    const t = performance.now();
    const r = await traceLot(p.db, GTIN_FISH, p.target, { zones: ZONES, now });
    return { ms: performance.now() - t, r };
  };
  const warm = await once();
  const ms = [];
  for (let i = 0; i < RUNS; i++) ms.push((await once()).ms);
  ms.sort((a, b) => a - b);
  const r = warm.r;
  const readings = r.coldChain.reduce((n, c) => n + c.readings, 0);
  return {
    complete: true,
    days: DAYS,
    readings: p.readings,
    sales: p.sales,
    parcels: p.parcels,
    bundles: p.bundles,
    lotParcels: r.parcels.length,
    lotBundles: r.bundles.length,
    lotColdReadings: readings,
    traceMedianMs: ms[Math.floor(ms.length / 2)],
    traceMaxMs: ms[ms.length - 1],
    goalMs: 1000,
    generateS: p.genS,
  };
}

/** Close and remove the generated store (run.js calls it after the last run). */
export function traceBenchDone() {
  if (!prepared) return;
  prepared.db.close();
  rmSync(prepared.dir, { recursive: true, force: true });
  prepared = undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await traceBench();
  traceBenchDone();
  log(
    `trace.lot over ${r.days} days (${r.readings} cold readings, ${r.sales} sales, ${r.parcels} parcels, ${r.bundles} bundles; generated in ${r.generateS.toFixed(1)} s): ` +
      `the lot is in ${r.lotParcels} parcels and ${r.lotBundles} bundles (${r.lotColdReadings} readings of their stays); median ${r.traceMedianMs.toFixed(1)} ms, max ${r.traceMaxMs.toFixed(1)} ms over ${RUNS} runs (goal < ${r.goalMs} ms)`,
  );
}
