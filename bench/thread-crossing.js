// Issue 13: what crossing to libuv's thread pool costs the event loop per durable commit, and so per
// event. `node bench/thread-crossing.js [rounds]` after `npm run build`; standalone; prints figures,
// asserts nothing. Method and figures: docs/performance.md.
//
// The store lives on tmpfs (/dev/shm), where an fsync writes nothing: what is left of a sync's cost
// is the path around it. Each round commits one small transaction, then makes it durable:
//   inline       the fsync on the event loop (SQLite synchronous=FULL: what store.fsync inline does)
//   background   synchronous=NORMAL, then the gateway's own WalSync.whenDurable (src/store/wal-sync.ts:
//                fs.fdatasync of the -wal file in libuv's pool, the inode check, the ordered release)
// For each: wall time per round and the event loop's busy time per round (performance
// .eventLoopUtilization, the main thread only: the pool thread's own time is not the loop's). The
// crossing's cost per event is the difference in loop time ÷ the events of one group commit.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../dist/store/db.js";
import { WalSync } from "../dist/store/wal-sync.js";

const ROUNDS = Number(process.argv[2] ?? 5000);
const RUNS = 5;
const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

function setUp(synchronous, background) {
  const dir = mkdtempSync(join(base, "qh-crossing-"));
  const db = openDatabase({ dataDir: dir, synchronous, background });
  db.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)");
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  const payload = Buffer.alloc(200, 120);
  return { dir, db, commit: () => insert.run(payload) };
}

async function measure(name, synchronous, background) {
  const s = setUp(synchronous, background);
  const sync = background
    ? new WalSync({ db: s.db, dbFile: join(s.dir, "quarterhour.db"), idleMs: 0 })
    : undefined;
  const once = () =>
    new Promise((resolve, reject) => {
      s.commit();
      if (!sync) resolve();
      else sync.whenDurable((err) => (err ? reject(err) : resolve()));
    });
  for (let i = 0; i < 200; i++) await once(); // warm-up
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) await once();
  const wallUs = ((performance.now() - t0) * 1000) / ROUNDS;
  const elu = performance.eventLoopUtilization(elu0);
  const loopUs = (elu.active * 1000) / ROUNDS;
  if (sync) {
    await sync.drained();
    sync.close();
  }
  s.db.close();
  rmSync(s.dir, { recursive: true, force: true });
  return { name, wallUs, loopUs };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs = { inline: [], background: [] };
for (let r = 0; r < RUNS; r++) {
  runs.inline.push(await measure("inline", "FULL", false));
  runs.background.push(await measure("background", "NORMAL", true));
}
const fmt = (x) => x.toFixed(1).padStart(7);
console.log(`${ROUNDS} commits per run, ${RUNS} runs, store on ${base}: median [min–max], µs per commit`);
for (const [k, xs] of Object.entries(runs)) {
  const w = xs.map((x) => x.wallUs);
  const l = xs.map((x) => x.loopUs);
  console.log(
    `  ${k.padEnd(10)} wall ${fmt(median(w))} [${Math.min(...w).toFixed(1)}–${Math.max(...w).toFixed(1)}]   event loop busy ${fmt(median(l))} [${Math.min(...l).toFixed(1)}–${Math.max(...l).toFixed(1)}]`,
  );
}
const extra = median(runs.background.map((x) => x.loopUs)) - median(runs.inline.map((x) => x.loopUs));
const perEvent = [140, 215].map((n) => `${(extra / n).toFixed(2)} µs at ${n}`).join(", ");
console.log(
  `  the crossing's extra event-loop time per commit (background − inline): ${extra.toFixed(1)} µs; per event: ${perEvent} events per commit (the disk bench's range)`,
);
