/**
 * A package install ships the pages built: `npm pack` (package.json `files`) holds
 * dist/web/kiosk/{index.html,main.js,main.css} and the gateway's dist/, and neither the tests, the
 * test artefacts nor the incremental build's state.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensurePagesBuilt } from "../helpers/browser.js";

const root = join(import.meta.dirname, "..", "..");

describe("npm pack", () => {
  it("ships dist/web with every page's bundle", () => {
    ensurePagesBuilt();
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ["dist/web/kiosk/index.html", "dist/web/kiosk/main.js", "dist/web/kiosk/main.css"])
      expect(files).toContain(f);
    expect(files).toContain("bin/quarterhour.js");
    expect(files).toContain("devices/demo-bank-24.yaml");
    expect(files).toContain("config/default.yaml");
    expect(files.filter((f) => f.startsWith("tests/") || f.startsWith("test-artifacts/"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".tsbuildinfo"))).toEqual([]);
  });
});
