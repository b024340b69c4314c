/**
 * `quarterhour cold export` on a data dir with no database fails with the store's coded error
 * (QH_STORE_MISSING, exit 3: the store needs a person) instead of printing an empty CSV and
 * exiting 0 (review finding). A real child process on the built CLI.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runCliAsync } from "../../helpers/cli.js";

const ROOT = join(import.meta.dirname, "../../..");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("exits 3 with QH_STORE_MISSING for a missing data dir and for a data dir without a database", async () => {
  const empty = mkdtempSync(join(tmpdir(), "qh-cold-cli-"));
  dirs.push(empty);
  for (const dataDir of [join(empty, "nonexistent"), empty]) {
    const r = await runCliAsync(
      [
        "cold",
        "export",
        "--zone",
        "chilled",
        "--from",
        "2026-01-01",
        "--to",
        "2026-02-01",
        "--data-dir",
        dataDir,
      ],
      { cwd: ROOT },
    );
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toContain("QH_STORE_MISSING");
    expect(r.stdout).toBe("");
  }
});
