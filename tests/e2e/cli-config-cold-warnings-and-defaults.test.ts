/**
 * `config check` warns (exit 0: the config is valid) about an ambient compartment inside a cold
 * zone and a chilled/frozen compartment in no zone; `config show` prints each cold zone with the
 * defaults that apply (range, poll interval, alarm delays, hysteresis) filled in (review finding).
 * Through the CLI, as a child process, on the demo config edited.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";

const dir = tempDir("qh-cli-cold-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function demo(): Record<string, unknown> & { cold: { zones: Array<Record<string, unknown>> } } {
  const cfg = parse(readFileSync(join(import.meta.dirname, "../../config/default.yaml"), "utf8"));
  cfg.dataDir = join(dir, "data");
  return cfg;
}

it("config check warns about an ambient compartment in a cold zone and a cold one in no zone", () => {
  const cfg = demo();
  const chilled = cfg.cold.zones[0]!;
  // C01 (chilled-built) leaves the zone; locker-a/A01 (ambient-built) joins it
  chilled.compartments = ["locker-a/A01", ...(chilled.compartments as string[]).slice(1)];
  const r = runCli(["config", "check", "--config", writeConfig(dir, cfg)]);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("config OK");
  expect(r.stdout).toMatch(
    /warning: cold\.zones\[0\]\.compartments\[0\]: locker-a\/A01 is an ambient compartment .* inside chilled zone/,
  );
  expect(r.stdout).toMatch(
    /warning: buses\[0\]\.devices\[1\]: cold-a\/C01 is a chilled compartment .* in no cold zone/,
  );
  // the demo as shipped warns about nothing
  const clean = runCli([
    "config",
    "check",
    "--config",
    join(import.meta.dirname, "../../config/default.yaml"),
  ]);
  expect(clean.status).toBe(0);
  expect(clean.stdout).not.toContain("warning");
});

it("config show prints the zone defaults that apply", () => {
  const cfg = demo();
  const r = runCli(["config", "show", "--json", "--config", writeConfig(dir, cfg)]);
  expect(r.status).toBe(0);
  const shown = JSON.parse(r.stdout) as { cold: { zones: Array<Record<string, unknown>> } };
  const frozen = shown.cold.zones.find((z) => z.id === "frozen")!;
  expect(frozen).toMatchObject({
    minC: -40,
    maxC: -15,
    hysteresisC: 0.5,
    cumulativeLimitSeconds: 3600,
    cumulativeWindowSeconds: 86_400,
    defrostAlarmDelaySeconds: 1800,
    defrostMaxRiseC: 4,
    maxJumpC: 10,
  });
  // what the config sets itself stays as set
  const chilled = shown.cold.zones.find((z) => z.id === "chilled")!;
  expect(chilled).toMatchObject({ minC: 2, maxC: 6, pollSeconds: 5, alarmDelaySeconds: 10 });
});
