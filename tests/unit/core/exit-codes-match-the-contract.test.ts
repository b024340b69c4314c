/**
 * docs/contract.md's "Errors" section says which error code ends a CLI command with which exit code
 * ("CLI exit codes by code: … are 2; … are 3; everything else is 1"). Every code of the catalogue
 * must exit as the contract says: a code added to report.ts without the contract (or the other way
 * round) fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../../../src/cli/report.js";
import { ERRORS, type ErrorCode, QhError } from "../../../src/core/errors.js";

const contract = readFileSync(join(import.meta.dirname, "../../../docs/contract.md"), "utf8").replace(
  /\s+/g,
  " ",
);

/** The codes a part of the sentence names: `QH_X` exactly, `QH_X_*` as a prefix. */
function named(part: string): (code: string) => boolean {
  const names = [...part.matchAll(/`(QH_[A-Z0-9_]+\*?)`/g)].map((m) => m[1]!);
  expect(names.length).toBeGreaterThan(0);
  return (code) => names.some((n) => (n.endsWith("*") ? code.startsWith(n.slice(0, -1)) : code === n));
}

describe("the CLI's exit code for each error code is the contract's", () => {
  const m = /CLI exit codes by code: (.*?) are 2; (.*?) are 3; everything else is 1/.exec(contract);
  it("the contract says it in one sentence", () => {
    expect(m).not.toBeNull();
  });
  const two = named(m?.[1] ?? "`QH_USAGE`");
  const three = named(m?.[2] ?? "`QH_STORE_MISSING`");
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    it(code, () => {
      const want = two(code) ? 2 : three(code) ? 3 : 1;
      expect(exitCodeFor(new QhError(code, "x"))).toBe(want);
    });
  }
});
