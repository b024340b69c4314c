/**
 * src/config/writer.ts on real files in a temp dir: a change is validated as at start (a bad one is
 * refused with its key path and nothing is written), saved with the previous file kept as
 * `<file>.prev`, comments kept; a process killed (SIGKILL) between writing the temp file and the
 * rename leaves the old file intact, and the next write goes through.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigWriter } from "../../../src/config/writer.js";
import { isQhError } from "../../../src/core/errors.js";
import { tempDir } from "../../helpers/gateway.js";

const ORIGINAL = `# the site's config
gateway: { id: gw-w, site: s } # keep me
dataDir: ./data
uplink: { url: embedded }
devices:
  - { id: meter-1, model: generic-mqtt }
`;

describe("config writer", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir("qh-writer-");
    file = join(dir, "site.yaml");
    writeFileSync(file, ORIGINAL);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("saves a valid change, keeps the previous file as .prev and the comments", () => {
    const w = new ConfigWriter({ file });
    const cfg = w.write((doc) => doc.addIn(["devices"], { id: "meter-2", model: "generic-mqtt" }));
    expect(cfg.devices.map((d) => d.id)).toEqual(["meter-1", "meter-2"]);
    expect(readFileSync(`${file}.prev`, "utf8")).toBe(ORIGINAL);
    const now = readFileSync(file, "utf8");
    expect(now).toContain("# the site's config");
    expect(now).toContain("# keep me");
    expect(now).toContain("meter-2");
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("refuses a bad change with its key path; nothing is written", () => {
    const w = new ConfigWriter({ file });
    let err: unknown;
    try {
      w.write((doc) => doc.setIn(["gateway", "id"], "Not An Id!"));
    } catch (e) {
      err = e;
    }
    expect(isQhError(err, "QH_CONFIG_INVALID")).toBe(true);
    expect((err as Error).message).toContain("gateway.id");
    expect((err as { details: { path: string }[] }).details.map((d) => d.path)).toContain("gateway.id");
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
    expect(existsSync(`${file}.prev`)).toBe(false);
    // one namespace: a second device with an existing id is refused too
    expect(() => w.write((doc) => doc.addIn(["devices"], { id: "meter-1", model: "generic-mqtt" }))).toThrow(
      /devices\[1\]\.id/,
    );
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
  });

  it("a process killed between the temp file and the rename leaves the old file whole", () => {
    const writer = join(import.meta.dirname, "../../../dist/config/writer.js");
    const script = `
      import { ConfigWriter } from ${JSON.stringify(writer)};
      const w = new ConfigWriter({ file: ${JSON.stringify(file)}, atomic: { beforeRename: () => process.kill(process.pid, "SIGKILL") } });
      w.write((doc) => doc.setIn(["gateway", "site"], "changed"));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.signal, r.stderr).toBe("SIGKILL");
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
    // the temp file it left is full and fsynced, but never replaced the config
    const left = readdirSync(dir).filter((f) => f.includes(".tmp-"));
    expect(left).toHaveLength(1);
    expect(readFileSync(join(dir, left[0]!), "utf8")).toContain("site: changed");
    // the next write removes the leftover and succeeds
    new ConfigWriter({ file }).write((doc) => doc.setIn(["gateway", "site"], "again"));
    expect(readFileSync(file, "utf8")).toContain("site: again");
    expect(readFileSync(`${file}.prev`, "utf8")).toBe(ORIGINAL);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("the demo: reads the packaged base until its own file exists, then writes there", () => {
    const base = join(dir, "default.yaml");
    writeFileSync(base, ORIGINAL);
    const own = join(dir, "data", "site.yaml");
    rmSync(file);
    mkdirSync(join(dir, "data"));
    const w = new ConfigWriter({ file: own, base });
    w.write((doc) => doc.setIn(["gateway", "site"], "demo-changed"));
    expect(readFileSync(base, "utf8")).toBe(ORIGINAL);
    expect(readFileSync(own, "utf8")).toContain("# keep me");
    expect(readFileSync(own, "utf8")).toContain("demo-changed");
    expect(existsSync(`${own}.prev`)).toBe(false);
  });

  it("a failed write (its directory gone) is QH_CONFIG_WRITE and nothing changes", () => {
    const w = new ConfigWriter({ file: join(dir, "gone", "site.yaml"), base: file });
    expect(() => w.write((doc) => doc.setIn(["gateway", "site"], "x"))).toThrow(
      expect.objectContaining({ code: "QH_CONFIG_WRITE" }),
    );
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
  });
});
