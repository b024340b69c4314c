/**
 * `quarterhour vend stock|restock|audit` as a user runs them, in child processes, against a
 * gateway child process with a simulated vending machine: counts set and shown, bad input a usage
 * error (exit 2) before anything is sent, an audit read from the machine through the bridge.
 */

import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exited, runCliAsync, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";

const dir = tempDir("qh-vend-cli-");
let config: string;
let gw: ChildProcess | undefined;

beforeAll(async () => {
  config = writeConfig(dir, {
    gateway: { id: "gw-vend-cli", site: "s" },
    dataDir: join(dir, "data"),
    uplink: { url: "embedded", embeddedPort: await freePort() },
    api: { host: "127.0.0.1", port: await freePort() },
    deviceBroker: { host: "127.0.0.1", port: await freePort() },
    buses: [
      {
        id: "vend-a",
        path: "sim://vend-a",
        protocol: "mdb-bridge-text",
        devices: [{ id: "vm-a", model: "mdb-vending-machine" }],
      },
    ],
    vending: { machines: [{ device: "vm-a", simulator: { prices: { "1": 300, "2": 350 } } }] },
    planogram: {
      machines: [
        {
          device: "vm-a",
          slots: [
            { slot: 1, product: "water", name: "Water", price: 300, capacity: 10, count: 4 },
            { slot: 2, product: "tea", price: 350, capacity: 8 },
          ],
        },
      ],
    },
  });
  gw = (await startGatewayProcess(config)).proc;
}, 60_000);

afterAll(async () => {
  if (gw && gw.exitCode === null) {
    gw.kill("SIGTERM");
    await exited(gw);
  }
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCliAsync([...args, "--config", config]);

describe("quarterhour vend", { timeout: 120_000 }, () => {
  it("restock sets counts and stock shows them", async () => {
    const r = await cli(
      "vend",
      "restock",
      "--device",
      "vm-a",
      "--slot",
      "1=9",
      "--slot",
      "2=0",
      "--by",
      "li",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("slot 1 (water): 4 → 9");
    expect(r.stdout).toContain("slot 2 (tea): 8 → 0");
    const s = await cli("vend", "stock", "--device", "vm-a", "--json");
    expect(s.status).toBe(0);
    expect(
      JSON.parse(s.stdout).map((x: { slot: number; count: number; state: string }) => [
        x.slot,
        x.count,
        x.state,
      ]),
    ).toEqual([
      [1, 9, "ok"],
      [2, 0, "sold_out"],
    ]);
    // a one-machine site: no --device needed, the only vending machine is meant
    const only = await cli("vend", "stock", "--json");
    expect(only.status, only.stderr).toBe(0);
    expect(JSON.parse(only.stdout)).toEqual(JSON.parse(s.stdout));
  });

  it("bad input is a usage error, exit 2, as are a count over capacity and an unknown machine (coded)", async () => {
    const usage = await cli("vend", "restock", "--device", "vm-a", "--slot", "one=9");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^error QH_USAGE: .*SLOT=COUNT/);
    const over = await cli("vend", "restock", "--device", "vm-a", "--slot", "2=99");
    expect(over.status).toBe(2);
    expect(over.stderr).toMatch(/^error QH_PLANOGRAM_INPUT_INVALID: slot 2: count 99 is not 0\.\.8/);
    const unknown = await cli("vend", "stock", "--device", "vm-z");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^error QH_PLANOGRAM_MACHINE_UNKNOWN/);
  });

  it("audit reads the machine's DEX file through the bridge: the first one is the baseline", async () => {
    const r = await cli("vend", "audit", "--device", "vm-a");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/file: verified; reconciled \(baseline\)/);
    expect(r.stdout).toContain("first audit: the baseline for the next one");
    const again = await cli("vend", "audit", "--device", "vm-a", "--json");
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ verdict: "verified", mode: "delta", mismatches: [] });
  });
});
