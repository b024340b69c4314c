#!/usr/bin/env node
/**
 * `npm start` / `npm test` / `npm run bench` build step: run the (incremental) TypeScript build only
 * when something it reads changed since the last successful build, so a second `npm start` starts
 * the gateway at once instead of spending seconds in `tsc`.
 *
 * Up to date means: `dist/.build-stamp` (written only after `tsc` exits 0, dated when that build
 * started) is newer than every file
 * and directory under `src/` (a directory's mtime changes when a file is added or removed), than
 * `tsconfig.json`, `tsconfig.build.json` and `package.json`. Otherwise it runs
 * `tsc -p tsconfig.build.json` (incremental: `dist/.tsbuildinfo`) and exits with its status.
 * `--force` always builds.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist", ".build-stamp");

/** Newest mtime (ms) of a file, or of a directory and everything under it. */
function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)));
  return max;
}

const inputs = ["src", "tsconfig.json", "tsconfig.build.json", "package.json"].map((p) => join(root, p));
const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const changed = Math.max(...inputs.map(newest));

if (!process.argv.includes("--force") && built > changed) {
  process.exit(0);
}
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
// the stamp carries the build's start time: a file saved while tsc runs counts as changed
const startedS = Date.now() / 1000;
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status === 0) {
  writeFileSync(stamp, "built by scripts/build-if-stale.mjs\n");
  utimesSync(stamp, startedS, startedS);
}
process.exit(r.status ?? 1);
