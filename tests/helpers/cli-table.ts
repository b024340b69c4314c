/**
 * The CLI's error contract as a table: each row is one `quarterhour …` child process, its exit code
 * (0 ok; 2 usage, config or a listening port in use; 3 the store needs a person; 1 runtime) and
 * what it must print. A failing row must print `error QH_…: message`, a `  → hint` line and no
 * stack (docs/contract.md, "Command line").
 */
import { expect, it } from "vitest";
import { runCliAsync } from "./cli.js";

export interface CliRow {
  name: string;
  args: () => string[];
  env?: () => Record<string, string>;
  exit: 0 | 1 | 2 | 3;
  /** stderr (exit ≠ 0) or stdout (exit 0) must match all of these */
  match: RegExp[] | (() => RegExp[]);
  /** and stdout + stderr must not match any of these */
  not?: RegExp[];
}

/** One `it` per row, run one after the other in the calling `describe`. */
export function cliTable(rows: readonly CliRow[], opts: { cwd?: string } = {}): void {
  for (const row of rows) {
    it(`${row.name}: exit ${row.exit}`, async () => {
      const r = await runCliAsync(row.args(), { env: row.env?.(), cwd: opts.cwd });
      const out = row.exit === 0 ? r.stdout : r.stderr;
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(row.exit);
      for (const re of typeof row.match === "function" ? row.match() : row.match) expect(out).toMatch(re);
      for (const re of row.not ?? []) expect(`${r.stdout}${r.stderr}`).not.toMatch(re);
      if (row.exit !== 0) {
        expect(r.stderr).toMatch(/^error QH_[A-Z_]+: /m);
        expect(r.stderr).toMatch(/^ {2}→ \S/m);
        expect(r.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)/m); // no stack
        expect(r.stderr).not.toContain("QH_INTERNAL");
      }
    });
  }
}
