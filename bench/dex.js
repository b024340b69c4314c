// DEX audit parse time (part of `npm run bench` when asked for: BENCH_SCENARIOS=dex, or alone:
// `node bench/dex.js`). Parses firmware-protocols/dex-ucs/samples/segments-400.dex (400 segments
// DXS … DXE, made by scripts/make-dex-samples.mjs) with the built parser, after a warm-up, one
// parse at a time: p50/p99/mean per parse and per segment. Prints figures; asserts nothing.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const DIST = new URL("../dist/", import.meta.url);
const FILE = fileURLToPath(
  new URL("../firmware-protocols/dex-ucs/samples/segments-400.dex", import.meta.url),
);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

export async function dexParseBench({ iterations = 2000, warmup = 200 } = {}) {
  const { parseDex } = await import(new URL("protocols/dex-ucs/index.js", DIST).href);
  const bytes = readFileSync(FILE);
  const first = parseDex(bytes);
  if (first.integrity.verdict !== "verified" || first.segments.length !== 400)
    throw new Error(`segments-400.dex: ${first.integrity.verdict}, ${first.segments.length} segments`);
  for (let i = 0; i < warmup; i++) parseDex(bytes);
  const us = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    parseDex(bytes);
    us.push((performance.now() - t0) * 1000);
  }
  const mean = us.reduce((a, b) => a + b, 0) / us.length;
  return {
    complete: true,
    segments: first.segments.length,
    bytes: bytes.length,
    iterations,
    parseP50Us: quantile(us, 0.5),
    parseP99Us: quantile(us, 0.99),
    parseMeanUs: mean,
    perSegmentUs: mean / first.segments.length,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await dexParseBench();
  process.stdout.write(
    `DEX parse, ${r.segments} segments (${r.bytes} bytes), ${r.iterations} parses: p50 ${r.parseP50Us.toFixed(0)} µs, p99 ${r.parseP99Us.toFixed(0)} µs, mean ${r.parseMeanUs.toFixed(0)} µs (${r.perSegmentUs.toFixed(2)} µs/segment)\n`,
  );
}
