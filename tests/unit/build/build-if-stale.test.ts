/**
 * `npm start`'s build step (scripts/build-if-stale.mjs) builds only when something it compiles
 * changed: a second `npm start` skips `tsc`. The script runs as a child process in a copy of the
 * project's layout; `tsc` there is a stand-in that records each call and exits with the status the
 * test asks for (TypeScript is not ours to test, and a real build costs seconds of CPU per case).
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../helpers/gateway.js";

const SCRIPT = join(import.meta.dirname, "../../../scripts/build-if-stale.mjs");
const root = tempDir("qh-build-");
const calls = join(root, "tsc-calls");
afterAll(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(join(root, "scripts"));
copyFileSync(SCRIPT, join(root, "scripts/build-if-stale.mjs"));
mkdirSync(join(root, "src/core"), { recursive: true });
writeFileSync(join(root, "src/core/a.ts"), "export const a = 1;\n");
for (const f of ["tsconfig.json", "tsconfig.build.json", "package.json"])
  writeFileSync(join(root, f), "{}\n");
// the pages' build (the second target): a stand-in that makes dist/web/ and succeeds
mkdirSync(join(root, "web"));
writeFileSync(join(root, "web/main.tsx"), "export {};\n");
writeFileSync(
  join(root, "scripts/build-web.mjs"),
  `import { mkdirSync } from "node:fs";
mkdirSync(${JSON.stringify(join(root, "dist/web"))}, { recursive: true });
`,
);
mkdirSync(join(root, "node_modules/typescript/bin"), { recursive: true });
// the stand-in tsc: appends its arguments to tsc-calls, makes dist/, exits with TSC_STATUS
writeFileSync(
  join(root, "node_modules/typescript/bin/tsc"),
  `const fs = require("node:fs");
fs.appendFileSync(${JSON.stringify(calls)}, process.argv.slice(2).join(" ") + "\\n");
fs.mkdirSync(${JSON.stringify(join(root, "dist"))}, { recursive: true });
process.exit(Number(process.env.TSC_STATUS ?? 0));
`,
);

/** Runs the build step; returns its exit status and how many times tsc has run so far. */
function build(args: string[] = [], tscStatus = 0): { status: number | null; tsc: number } {
  const r = spawnSync(process.execPath, [join(root, "scripts/build-if-stale.mjs"), ...args], {
    env: { ...process.env, TSC_STATUS: String(tscStatus) },
    encoding: "utf8",
  });
  const n = existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n").length : 0;
  return { status: r.status, tsc: n };
}

/** Dates a file or directory now: a save after the last build started. */
function touch(path: string): void {
  const t = Date.now() / 1000;
  utimesSync(path, t, t);
}

describe("build-if-stale: tsc only when its inputs changed", () => {
  it("builds the first time, with the build config, and stamps the build", () => {
    expect(build()).toEqual({ status: 0, tsc: 1 });
    expect(readFileSync(calls, "utf8")).toContain(join(root, "tsconfig.build.json"));
    expect(existsSync(join(root, "dist/.build-stamp"))).toBe(true);
  });

  it("skips tsc when nothing changed (the second npm start)", () => {
    expect(build()).toEqual({ status: 0, tsc: 1 });
    expect(build()).toEqual({ status: 0, tsc: 1 });
  });

  it("builds again after a source file is saved, then skips again", () => {
    touch(join(root, "src/core/a.ts"));
    expect(build()).toEqual({ status: 0, tsc: 2 });
    expect(build()).toEqual({ status: 0, tsc: 2 });
  });

  it("builds after a file is added under src, or package.json or a tsconfig changes", () => {
    writeFileSync(join(root, "src/core/b.ts"), "export const b = 2;\n");
    expect(build().tsc).toBe(3);
    rmSync(join(root, "src/core/b.ts")); // a removed file changes its directory's mtime
    expect(build().tsc).toBe(4);
    touch(join(root, "package.json"));
    expect(build().tsc).toBe(5);
    touch(join(root, "tsconfig.json"));
    expect(build().tsc).toBe(6);
    expect(build().tsc).toBe(6);
  });

  it("a failed build does not stamp: its exit status is npm's, and the next start builds again", () => {
    const stamp = join(root, "dist/.build-stamp");
    const before = statSync(stamp).mtimeMs;
    touch(join(root, "src/core/a.ts"));
    expect(build([], 2)).toEqual({ status: 2, tsc: 7 });
    expect(statSync(stamp).mtimeMs).toBe(before);
    expect(build()).toEqual({ status: 0, tsc: 8 });
    expect(build()).toEqual({ status: 0, tsc: 8 });
  });

  it("--force always builds", () => {
    expect(build(["--force"]).tsc).toBe(9);
  });
});
