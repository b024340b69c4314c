/**
 * Every command the CLI registers (src/cli/*.ts: `program.command("x")` and its subcommands) is in
 * README's CLI summary and in docs/contract.md's command-line table, as `quarterhour x sub`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const cliDir = join(root, "src/cli");

/** `top sub` (or `top`) for every command registered in src/cli. */
function commands(): string[] {
  const out = new Set<string>();
  for (const f of readdirSync(cliDir).filter((n) => n.endsWith(".ts"))) {
    const src = readFileSync(join(cliDir, f), "utf8");
    const parents = new Map<string, string>();
    for (const m of src.matchAll(/const (\w+) = program\s*\.command\("([a-z-]+)/g)) parents.set(m[1]!, m[2]!);
    for (const m of src.matchAll(/program\s*\.command\("([a-z-]+)/g)) out.add(m[1]!);
    for (const m of src.matchAll(/\b(\w+)\s*\.command\("([a-z-]+)/g)) {
      const top = parents.get(m[1]!);
      if (top) {
        out.delete(top);
        out.add(`${top} ${m[2]}`);
      }
    }
  }
  return [...out].sort();
}

const readme = readFileSync(join(root, "README.md"), "utf8");
const summary = readme.slice(
  readme.indexOf("CLI: `quarterhour start"),
  readme.indexOf("\n\n", readme.indexOf("CLI: `quarterhour start")),
);
const contract = readFileSync(join(root, "docs/contract.md"), "utf8");
const table = contract.slice(
  contract.indexOf("## Command line"),
  contract.indexOf("\n## ", contract.indexOf("## Command line") + 5),
);

describe("the CLI's commands are documented", () => {
  it("finds the commands (terminal pair, trace lot and store check among them)", () => {
    expect(commands()).toEqual(
      expect.arrayContaining(["terminal pair", "terminal revoke", "trace lot", "store check", "start"]),
    );
  });

  it.each(commands())("quarterhour %s is in README's CLI summary", (cmd) => {
    const [top, sub] = cmd.split(" ");
    const re = sub
      ? new RegExp(`quarterhour ${top} [^\`]*\\b${sub}\\b`)
      : new RegExp(`quarterhour ${top}\\b`);
    expect(summary).toMatch(re);
  });

  it.each(commands())("quarterhour %s is in docs/contract.md's command table", (cmd) => {
    const [top, sub] = cmd.split(" ");
    const re = sub
      ? new RegExp(`quarterhour ${top} (?:[^\`|]*\\\\\\|)*\\s*${sub}\\b|quarterhour ${top} ${sub}\\b`)
      : new RegExp(`quarterhour ${top}\\b`);
    expect(table).toMatch(re);
  });
});
