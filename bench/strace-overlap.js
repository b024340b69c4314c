// Does strace's injected fsync latency overlap across threads? (issue 13: the disk-latency bench
// relies on it, since the gateway runs up to 3 fdatasyncs at once in libuv's pool.)
//
//   strace -f -qq --seccomp-bpf -o /dev/null -e trace=fsync,fdatasync \
//     -e inject=fsync,fdatasync:delay_exit=30000 node bench/strace-overlap.js [n]
//
// Runs n (default 3) fs.fdatasync calls on one descriptor at once, three times, then 9 started
// 10 ms apart. Overlapping delays: each round takes about one delay (~30 ms), not n × 30 ms.
// Measured 2026-11-30 under strace with 30 ms: 3 at once 32-37 ms (quiet), 40-79 ms at load 18
// (the busy virtual disk's own fdatasync alone took up to 37 ms then), never 90; the 9 each
// 31-40 ms, 112-116 ms in all (serialised they would take at least 270 ms).
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const n = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "qh-strace-overlap-"));
const fd = openSync(join(dir, "f"), "w");
const sync = () =>
  new Promise((resolve) => {
    writeSync(fd, "x");
    const t = performance.now();
    fdatasync(fd, () => resolve(performance.now() - t));
  });
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, sync));
  console.log(`${n} fdatasyncs at once: ${(performance.now() - t0).toFixed(1)} ms`);
}
const t0 = performance.now();
const each = await Promise.all(
  Array.from({ length: 9 }, (_, i) => new Promise((r) => setTimeout(() => sync().then(r), i * 10))),
);
console.log(
  `9 started 10 ms apart: each ${each.map((ms) => ms.toFixed(0)).join(", ")} ms; ${(performance.now() - t0).toFixed(0)} ms in all`,
);
closeSync(fd);
rmSync(dir, { recursive: true, force: true });
