import { spawnSync } from "node:child_process";
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
process.stdout.write(JSON.stringify({ replaced, got, real }));
`;

interface Outcome {
  out: { replaced: string[]; got: unknown[]; real: boolean };
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
    expect(out.got).toEqual([{ cmd: "publish", topic: "dev/d-1/evt/t.x", messageId: 7, payload: '{"n":1}' }]);
    expect(stderr).toBe("");
  });

  it("are the real ones, tracing the parse, when DEBUG is set", () => {
    const { out, stderr } = run("mqtt-packet:parser");
    expect(out.replaced).toEqual([]);
    expect(out.real).toBe(true);
    expect(out.got).toHaveLength(1);
    expect(stderr).toContain("mqtt-packet:parser");
  });
});
