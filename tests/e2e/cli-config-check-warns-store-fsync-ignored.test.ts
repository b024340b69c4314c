/**
 * `config check` says when `store.fsync` can do nothing: with `store.synchronous: NORMAL` nothing is
 * synced before an acknowledgement, so `fsync: inline` is ignored (a new user's review). Through the
 * CLI, as a child process, on the demo config edited.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";

const dir = tempDir("qh-cli-fsync-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function demoWith(store: Record<string, unknown>): string {
  const cfg = parse(readFileSync(join(import.meta.dirname, "../../config/default.yaml"), "utf8"));
  cfg.dataDir = join(dir, "data");
  cfg.store = { ...(cfg.store ?? {}), ...store };
  return writeConfig(dir, cfg);
}

it("warns that fsync: inline does nothing with synchronous: NORMAL, and not otherwise", () => {
  const ignored = runCli([
    "config",
    "check",
    "--config",
    demoWith({ synchronous: "NORMAL", fsync: "inline" }),
  ]);
  expect(ignored.status).toBe(0);
  expect(ignored.stdout).toContain("config OK");
  expect(ignored.stdout).toMatch(
    /warning: store\.fsync: inline has no effect with store\.synchronous: NORMAL/,
  );
  for (const store of [{ synchronous: "FULL", fsync: "inline" }, { synchronous: "NORMAL" }]) {
    const r = runCli(["config", "check", "--config", demoWith(store)]);
    expect(r.status, JSON.stringify(store)).toBe(0);
    expect(r.stdout, JSON.stringify(store)).not.toContain("store.fsync");
  }
});
