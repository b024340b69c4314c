#!/usr/bin/env node
/**
 * `npm start` / `npm test` / `npm run bench` build step: run each build only when something it
 * reads changed since its last successful build, so a second `npm start` starts the gateway at once
 * instead of spending seconds in `tsc` and esbuild.
 *
 * Two builds, each with its own stamp (written only after the build exits 0, dated when that build
 * started): the gateway (`tsc -p tsconfig.build.json`, incremental: `dist/.tsbuildinfo`; stamp
 * `dist/.build-stamp`; inputs `src/`, `tsconfig.json`, `tsconfig.build.json`, `package.json`) and
 * the pages (`scripts/build-web.mjs`; stamp `dist/web/.build-stamp`; inputs `web/`,
 * `scripts/build-web.mjs`, `package.json`). Up to date means the stamp is newer than every file and
 * directory of its inputs (a directory's mtime changes when a file is added or removed).
 * `--force` always builds; `--web` builds (if stale) the pages only. Exits with the first failure.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Newest mtime (ms) of a file, or of a directory and everything under it. */
function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)));
  return max;
}

const tsc = () => createRequire(import.meta.url).resolve("typescript/bin/tsc");
const targets = [
  {
    name: "gateway",
    stamp: join(root, "dist", ".build-stamp"),
    inputs: ["src", "tsconfig.json", "tsconfig.build.json", "package.json"],
    args: () => [tsc(), "-p", join(root, "tsconfig.build.json")],
  },
  {
    name: "web",
    stamp: join(root, "dist", "web", ".build-stamp"),
    inputs: ["web", "scripts/build-web.mjs", "package.json"],
    args: () => [join(root, "scripts", "build-web.mjs")],
  },
];

const force = process.argv.includes("--force");
const webOnly = process.argv.includes("--web");
for (const t of targets) {
  if (webOnly && t.name !== "web") continue;
  const built = statSync(t.stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const changed = Math.max(...t.inputs.map((p) => newest(join(root, p))));
  if (!force && built > changed) continue;
  // the stamp carries the build's start time: a file saved while it runs counts as changed
  const startedS = Date.now() / 1000;
  const r = spawnSync(process.execPath, t.args(), { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(t.stamp, `built by scripts/build-if-stale.mjs (${t.name})\n`);
  utimesSync(t.stamp, startedS, startedS);
}
