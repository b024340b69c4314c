// Cold chain benchmarks (opt-in scenario "cold" of `npm run bench`: BENCH_SCENARIOS=cold; alone:
// `node bench/cold.js`). Prints figures; asserts nothing. Method and figures: docs/performance.md.
//
//   record  8 zones × one year of 30 s readings (8 × 1,054,080 = 8.4 M) appended through the
//           record (TemperatureRecord: open rows compacted into ~1 byte/reading blocks), in a fresh
//           SQLite file (WAL, synchronous NORMAL only to generate faster: the bytes are the same);
//           then the whole file (db after a TRUNCATE checkpoint: overhead, indexes, free pages
//           included) divided by the readings. Goal ≤ 2 bytes/reading.
//   export  one zone-year as CSV through the streamed export, into a file: wall time (goal < 3 s).
//   rss     gateway processes on the demo's simulated locker line, without and with the cold chain
//           (4 simulated Modbus controllers × 2 channels = 8 zones polled every 1 s, 12 cold
//           compartments), alternated 3 times: the median of 10 VmRSS samples over the last 10 s
//           of 30 s each; the difference of the medians is what the cold chain adds.
// BENCH_COLD_ZONES (8), BENCH_COLD_DAYS (366), BENCH_QUICK=1 (30 days).
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";

const DIST = new URL("../dist/", import.meta.url);
const imp = (p) => import(new URL(p, DIST).href);
const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(dirname(HERE), "bin", "quarterhour.js");
const QUICK = process.env.BENCH_QUICK === "1";
const ZONES = Number(process.env.BENCH_COLD_ZONES ?? 8);
const DAYS = Number(process.env.BENCH_COLD_DAYS ?? (QUICK ? 30 : 366));
const log = (s) => process.stderr.write(`${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A chilled or frozen zone's series: set-point ± noise, a defrost bump a day, rare gaps. */
function series(zone) {
  let seed = 17 + zone;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const base = zone % 2 === 0 ? 4 : -18;
  return (i) => {
    const day = (i * 30) % 86_400;
    const gap = rnd() < 0.0005;
    const t = base + Math.round((rnd() - 0.5) * 6) / 10 + (day < 1200 ? 3 : 0);
    return { temperatureC: gap ? null : t, quality: gap ? "unreachable" : "ok" };
  };
}

export async function recordBench({ zones = ZONES, days = DAYS } = {}) {
  const { default: Database } = await import("better-sqlite3");
  const { TemperatureRecord } = await imp("domain/cold/record.js");
  const { exportStream, parseExportRange } = await imp("domain/cold/export.js");
  const dir = mkdtempSync(join(tmpdir(), "qh-bench-cold-"));
  try {
    const file = join(dir, "gateway.db");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const rec = new TemperatureRecord(db);
    const perZone = days * 2880;
    const t0 = Date.parse("2025-01-01T00:00:00Z");
    const gens = Array.from({ length: zones }, (_, z) => series(z));
    const w0 = performance.now();
    const DAY = 2880;
    for (let d = 0; d < days; d++) {
      db.transaction(() => {
        for (let i = d * DAY; i < (d + 1) * DAY; i++) {
          const ts = t0 + i * 30_000;
          for (let z = 0; z < zones; z++) {
            const r = gens[z](i);
            rec.append(`zone-${z}`, { ts, ...r, clockUnsynced: false }, 30);
          }
        }
      })();
    }
    const appendS = (performance.now() - w0) / 1000;
    db.pragma("wal_checkpoint(TRUNCATE)");
    const readings = perZone * zones;
    const fileBytes = statSync(file).size;
    const tableBytes = db
      .prepare(
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'cold_open%' OR name LIKE 'cold_blocks%' OR name LIKE 'sqlite_autoindex_cold_open%'",
      )
      .pluck()
      .get();
    // export one zone-year as CSV, streamed into a file
    const out = join(dir, "zone-0.csv");
    const range = parseExportRange(
      "2025-01-01T00:00:00Z",
      new Date(t0 + perZone * 30_000).toISOString(),
      "csv",
    );
    const e0 = performance.now();
    await pipeline(exportStream(rec, "zone-0", range), createWriteStream(out));
    const exportS = (performance.now() - e0) / 1000;
    const csvBytes = statSync(out).size;
    db.close();
    return {
      zones,
      days,
      readings,
      fileBytes,
      bytesPerReading: fileBytes / readings,
      tableBytesPerReading: tableBytes / readings,
      appendPerS: readings / appendS,
      exportReadings: perZone,
      exportS,
      csvMB: csvBytes / 1024 / 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function siteYaml(dir, withCold, ports) {
  const lines = [
    "gateway: { id: bench-cold, site: bench }",
    `dataDir: ${join(dir, "data")}`,
    "simulate: true",
    `deviceBroker: { host: 127.0.0.1, port: ${ports[0]} }`,
    `uplink: { url: embedded, embeddedPort: ${ports[1]} }`,
    `api: { host: 127.0.0.1, port: ${ports[2]}, token: bench-token-0123456789 }`,
    "clock: { synchronized: 'yes' }",
    "buses:",
    "  - id: bus-a",
    "    path: sim://bus-a",
    "    protocol: lockboard-xor",
    "    devices:",
    "      - { id: locker-a, model: demo-bank-24, address: 1 }",
  ];
  if (withCold) {
    lines.push("      - { id: cold-a, model: cold-locker-bank-12, address: 3 }");
    lines.push("  - id: bus-cold", "    path: sim://bus-cold", "    protocol: modbus-rtu", "    devices:");
    for (let c = 1; c <= 4; c++)
      lines.push(`      - { id: ctrl-${c}, model: generic-cold-controller, address: ${c} }`);
    lines.push("cold:", "  zones:");
    const comps = ["C01", "C02", "C03", "C04", "C05", "C06", "F01", "F02", "F03", "F04", "F05", "F06"];
    for (let z = 0; z < 8; z++) {
      // zones 0-5 hold two compartments each; 6 and 7 none (12 compartments in the bank)
      const mine = z < 6 ? [comps[z * 2], comps[z * 2 + 1]] : [];
      lines.push(
        `    - { id: zone-${z}, kind: ${z % 2 === 0 ? "chilled" : "frozen"}, controller: ctrl-${1 + Math.floor(z / 2)}, channel: ${z % 2}, pollSeconds: 1, compartments: [${mine.map((x) => `cold-a/${x}`).join(", ")}] }`,
      );
    }
  }
  lines.push(
    "locker:",
    "  terminals:",
    `    - { id: kiosk-a, banks: [locker-a${withCold ? ", cold-a" : ""}] }`,
  );
  const file = join(dir, "site.yaml");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function gatewayRss(withCold, settleMs) {
  const { freePort } = await import("./procs.js");
  const dir = mkdtempSync(join(tmpdir(), "qh-bench-cold-rss-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  const file = siteYaml(dir, withCold, ports);
  const child = spawn(process.execPath, [BIN, "start", "-c", file, "--log-level", "warn"], {
    stdio: "ignore",
  });
  try {
    // the median of 10 samples over the last 10 s of the settle time (a GC cycle moves RSS by MBs)
    await sleep(Math.max(0, settleMs - 10_000));
    const samples = [];
    for (let i = 0; i < 10; i++) {
      const status = execFileSync("cat", [`/proc/${child.pid}/status`], { encoding: "utf8" });
      samples.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN));
      await sleep(1000);
    }
    const kb = samples.sort((a, b) => a - b)[5];
    let zones = 0;
    if (withCold) {
      const r = await fetch(`http://127.0.0.1:${ports[2]}/api/v1/cold/zones`, {
        headers: { authorization: "Bearer bench-token-0123456789" },
      });
      zones = ((await r.json()).zones ?? []).filter((z) => z.temperatureC !== null).length;
    }
    return { rssMB: kb / 1024, zonesReading: zones };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Gateways without and with the cold chain, alternated `runs` times: medians (RSS is noisy). */
export async function rssBench({ settleMs = 30_000, runs = 3 } = {}) {
  const a = [];
  const b = [];
  let zones = 0;
  for (let i = 0; i < runs; i++) {
    a.push((await gatewayRss(false, settleMs)).rssMB);
    const w = await gatewayRss(true, settleMs);
    b.push(w.rssMB);
    zones = w.zonesReading;
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return {
    rssWithoutMB: med(a),
    rssWithMB: med(b),
    rssAddedMB: med(b) - med(a),
    rssSamples: `without ${a.map((x) => x.toFixed(1)).join(", ")}; with ${b.map((x) => x.toFixed(1)).join(", ")}`,
    zonesReading: zones,
  };
}

/** The scenario for bench/run.js. */
export async function coldBench() {
  log(`  cold: record of ${ZONES} zones × ${DAYS} days at 30 s…`);
  const rec = await recordBench();
  log("  cold: RSS of a gateway without and with 8 zones…");
  const r = await rssBench({ settleMs: QUICK ? 15_000 : 30_000, runs: QUICK ? 1 : 3 });
  return { ...rec, ...r, complete: true };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const res = await coldBench();
  process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
}
