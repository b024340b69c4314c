/**
 * A site with locker banks and no kiosk terminal (no `locker.terminals`, no scanner) is a valid
 * config whose kiosk API answers 404 everywhere: `config check` warns (exit 0) and says what to
 * declare (a new user's review of issue 14). Through the CLI, as a child process, on the demo config
 * edited.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";

const dir = tempDir("qh-cli-terminals-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function demo(): Record<string, unknown> & { buses: Array<{ protocol: string }>; locker?: unknown } {
  const cfg = parse(readFileSync(join(import.meta.dirname, "../../config/default.yaml"), "utf8"));
  cfg.dataDir = join(dir, "data");
  return cfg;
}

it("config check warns when the locker banks have no kiosk terminal, naming the key and the fix", () => {
  const cfg = demo();
  cfg.buses = cfg.buses.filter((b) => b.protocol !== "scanner-line");
  delete cfg.locker;
  const r = runCli(["config", "check", "--config", writeConfig(dir, cfg)]);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("config OK");
  expect(r.stdout).toMatch(
    /warning: locker\.terminals: no kiosk terminal .* answers 404 QH_LOCKER_TERMINAL_UNKNOWN; declare the kiosk, e\.g\. locker\.terminals: \[\{ id: kiosk-1, banks: \[locker-a, cold-a\] \}\]/,
  );
  // the demo as shipped declares kiosk-a: no such warning
  const shipped = runCli(["config", "check", "--config", writeConfig(dir, demo())]);
  expect(shipped.status).toBe(0);
  expect(shipped.stdout).not.toContain("no kiosk terminal");
});
