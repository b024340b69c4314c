import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");

/**
 * In a fresh Node process (this one has its own module cache, shared by other tests): quiet the
 * MQTT libraries' `debug` as the gateway's entry does, then parse a PUBLISH with mqtt-packet.
 * Prints what was replaced, the packet parsed, and whether mqtt-packet's `debug` is the real one.
 */
const SCRIPT = `
import { createRequire } from "node:module";
import { quietDebug } from "./dist/core/quiet-debug.js";
const replaced = quietDebug();
const require = createRequire(import.meta.url);
const mp = require("mqtt-packet");
const debugFile = createRequire(require.resolve("mqtt-packet")).resolve("debug");
const parser = mp.parser({ protocolVersion: 4 });
const got = [];
parser.on("packet", (p) => got.push({ cmd: p.cmd, topic: p.topic, messageId: p.messageId, payload: p.payload.toString() }));
parser.parse(mp.generate({ cmd: "publish", topic: "dev/d-1/evt/t.x", payload: Buffer.from('{"n":1}'), qos: 1, messageId: 7 }));
const real = typeof require.cache[debugFile].exports.humanize === "function";
const d = require.cache[debugFile].exports;
const interop = d.default === d && d.debug === d && d("a:b").extend("c").namespace === "a:b:c";
process.stdout.write(JSON.stringify({ replaced, got, real, interop }));
`;

interface Outcome {
  out: { replaced: string[]; got: unknown[]; real: boolean; interop: boolean };
  stderr: string;
}

function run(debug: string | undefined): Outcome {
  const { DEBUG: _unset, ...env } = process.env;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], {
    cwd: ROOT,
    env: debug === undefined ? env : { ...env, DEBUG: debug, DEBUG_COLORS: "0" },
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout), stderr: r.stderr };
}

describe("the MQTT libraries' debug loggers", () => {
  it("are replaced by silent ones while DEBUG is unset, and the parser still parses", () => {
    const { out, stderr } = run(undefined);
    expect(out.replaced.some((f) => f.endsWith(join("debug", "src", "index.js")))).toBe(true);
    expect(out.real).toBe(false);
    expect(out.interop).toBe(true); // debug's own interop forms and extend(), as its callers use them
    expect(out.got).toEqual([{ cmd: "publish", topic: "dev/d-1/evt/t.x", messageId: 7, payload: '{"n":1}' }]);
    expect(stderr).toBe("");
  });

  it("are silent in the gateway's own entry (bin/quarterhour.js), before any library loads them", () => {
    // a module preloaded ahead of the entry reports, at exit, what the CLI's libraries got
    const dir = mkdtempSync(join(tmpdir(), "qh-quiet-debug-"));
    try {
      const hook = join(dir, "report.mjs");
      writeFileSync(
        hook,
        `import { createRequire } from "node:module";
const require = createRequire(${JSON.stringify(join(ROOT, "package.json"))});
process.on("exit", () => {
  const file = createRequire(require.resolve("mqtt-packet")).resolve("debug");
  const m = require.cache[file];
  const parserLoaded = Object.keys(require.cache).some((k) => k.endsWith(${JSON.stringify(join("mqtt-packet", "parser.js"))}));
  process.stderr.write("REPORT " + JSON.stringify({ present: m !== undefined, parserLoaded, real: typeof m?.exports?.humanize === "function" }));
});
`,
      );
      const { DEBUG: _unset, ...env } = process.env;
      const r = spawnSync(
        process.execPath,
        [
          "--import",
          hook,
          join(ROOT, "bin", "quarterhour.js"),
          "config",
          "check",
          "--config",
          join(dir, "none.yaml"),
        ],
        {
          cwd: ROOT,
          env,
          encoding: "utf8",
        },
      );
      // `config check` loads the gateway's modules, then refuses the missing file
      expect(r.stderr).toContain("QH_CONFIG_UNREADABLE");
      const report = JSON.parse(r.stderr.slice(r.stderr.indexOf("REPORT ") + 7));
      expect(report).toEqual({ present: true, parserLoaded: true, real: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("are the real ones, tracing the parse, when DEBUG is set", () => {
    const { out, stderr } = run("mqtt-packet:parser");
    expect(out.replaced).toEqual([]);
    expect(out.real).toBe(true);
    expect(out.got).toHaveLength(1);
    expect(stderr).toContain("mqtt-packet:parser");
  });
});
