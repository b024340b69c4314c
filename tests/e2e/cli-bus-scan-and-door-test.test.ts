/**
 * Issue 12, the CLI's commissioning commands against a running gateway (a child process on a
 * simulated site), as real child processes with piped (non-TTY) output:
 *
 *  - `bus scan BUS --from --to`: one plain line per address, a summary, no ANSI; exit 0.
 *  - `door-test BANK --locks 1,2`: one line per door, the report's address; exit 0 when all ok;
 *    exit 1 when a door is jammed.
 *  - usage: a bad --locks list, an unknown bank, a scan of a scanner line: exit 2 with the code.
 *  - Ctrl-C (SIGINT) cancels the job on the gateway: exit 1, the job reads "cancelled".
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, exited, runCliAsync, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort, waitUntil } from "../helpers/upstream.js";

const TOKEN = "test-token-0123456789";
/** the escape character every ANSI sequence starts with */
const ESC = String.fromCharCode(27);

describe("quarterhour bus scan / door-test", () => {
  const dir = tempDir("qh-cli-ops-");
  let config = "";
  let gw: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
  let base = "";

  beforeAll(async () => {
    const apiPort = await freePort();
    base = `http://127.0.0.1:${apiPort}/api/v1`;
    config = writeConfig(dir, {
      gateway: { id: "gw-cli-ops", site: "s" },
      dataDir: `${dir}/data`,
      simulate: true,
      deviceBroker: { host: "127.0.0.1", port: await freePort() },
      uplink: { url: `mqtt://127.0.0.1:${await freePort()}` },
      api: { host: "127.0.0.1", port: apiPort, token: TOKEN },
      buses: [
        {
          id: "bus-a",
          path: "sim://bus-a",
          protocol: "lockboard-xor",
          pollIntervalMs: 50,
          devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
        },
        {
          id: "scan-a",
          path: "sim://scan-a",
          protocol: "scanner-line",
          devices: [{ id: "scanner-a", model: "generic-serial-scanner" }],
        },
      ],
    });
    gw = await startGatewayProcess(config);
  }, 60_000);

  afterAll(async () => {
    if (gw) {
      gw.proc.kill("SIGTERM");
      await exited(gw.proc);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("bus scan: plain lines, a summary, exit 0", async () => {
    const r = await runCliAsync(["bus", "scan", "bus-a", "--from", "1", "--to", "3", "-c", config]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^address 1: ok — .*locker-a/m);
    expect(r.stdout).toMatch(/^address 2: ok — /m);
    expect(r.stdout).toMatch(/^address 3: silent — nothing answers$/m);
    expect(r.stdout).toContain("answered at: 1, 2");
    expect(r.stdout.includes(ESC)).toBe(false);
  });

  it("door-test: one line per door and the report; exit 0 all ok, 1 with a jammed door", async () => {
    const ok = await runCliAsync(
      ["door-test", "locker-a", "--locks", "1,2", "--close-timeout", "10", "-c", config],
      {
        timeoutMs: 60_000,
      },
    );
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^lock 1 \(A01\): ok \(opened \d+ ms, shut \d+ ms\)/m);
    expect(ok.stdout).toMatch(/^lock 2 \(A02\): ok/m);
    expect(ok.stdout).toMatch(/report: http:\/\/.*\/reports\/[0-9a-f-]{36}/);
    expect(ok.stdout.includes(ESC)).toBe(false);

    const jam = await fetch(`${base}/sim/lockers/locker-a/A03`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "jam" }),
    });
    expect(jam.status).toBe(200);
    const bad = await runCliAsync(
      ["door-test", "locker-a", "--locks", "3", "--open-timeout", "1", "-c", config],
      {
        timeoutMs: 60_000,
      },
    );
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/^lock 3 \(A03\): jammed/m);
  });

  it("usage errors exit 2 with their code", async () => {
    const locks = await runCliAsync(["door-test", "locker-a", "--locks", "1,x", "-c", config]);
    expect(locks.status).toBe(2);
    expect(locks.stderr).toContain("QH_USAGE");
    const bank = await runCliAsync(["door-test", "no-such-bank", "-c", config]);
    expect(bank.status).toBe(2);
    expect(bank.stderr).toContain("QH_BANK_UNKNOWN");
    const scanner = await runCliAsync(["bus", "scan", "scan-a", "-c", config]);
    expect(scanner.status).toBe(2);
    expect(scanner.stderr).toContain("QH_SCAN_UNSUPPORTED");
    const range = await runCliAsync(["bus", "scan", "bus-a", "--from", "9", "--to", "3", "-c", config]);
    expect(range.status).toBe(2);
    expect(range.stderr).toContain("QH_SCAN_RANGE_INVALID");
  });

  it("Ctrl-C cancels the job on the gateway: exit 1", async () => {
    const proc = spawn(
      process.execPath,
      [BIN, "bus", "scan", "bus-a", "--from", "3", "--to", "255", "-c", config],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitUntil(() => out.includes("address 3:"), 30_000, "a first result");
    proc.kill("SIGINT");
    expect(await exited(proc)).toBe(1);
    expect(out).toMatch(/scan of bus-a cancelled/);
    const jobs = (await (
      await fetch(`${base}/jobs`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as {
      jobs: { kind: string; state: string }[];
    };
    expect(jobs.jobs[0]).toMatchObject({ kind: "scan", state: "cancelled" });
  });
});
