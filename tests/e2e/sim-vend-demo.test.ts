/**
 * The README's vending demo: the demo gateway (config/default.yaml, its simulated vending machine)
 * on moved ports, then `quarterhour sim vend phone`, `select`, `select --deny` and `cash` as child
 * processes, each printing the outcome and exiting 0; a bad item is a usage error (exit 2).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCliAsync, startProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/quarterhour.js");
const dir = tempDir("qh-vend-demo-");
let gw: Awaited<ReturnType<typeof startProcess>> | undefined;
afterAll(async () => {
  if (gw && gw.proc.exitCode === null) {
    gw.proc.kill("SIGKILL");
    await exited(gw.proc);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("sim vend against the demo gateway", () => {
  it("a phone payer, a select-first customer (approved, then refused) and a cash payer", async () => {
    const [api, dev, up] = [await freePort(), await freePort(), await freePort()];
    const env = {
      QH_API_PORT: String(api),
      QH_DEVICE_BROKER_PORT: String(dev),
      QH_UPLINK_PORT: String(up),
      QH_DATA_DIR: join(dir, "data"),
    };
    gw = await startProcess(process.execPath, [BIN, "start"], { cwd: ROOT, env });
    const flags = ["--api-port", String(api), "--uplink-port", String(up)];

    const phone = await runCliAsync(["sim", "vend", "phone", "--item", "3", "--credit", "800", ...flags], {
      cwd: ROOT,
    });
    expect(phone.status, phone.stderr).toBe(0);
    expect(phone.stdout).toContain("vend.completed: slot 3, price 500");
    expect(phone.stdout).toMatch(/session ended \(completed\): spent 500, unspent 300/);

    const select = await runCliAsync(["sim", "vend", "select", "--item", "2", ...flags], { cwd: ROOT });
    expect(select.status, select.stderr).toBe(0);
    expect(select.stdout).toMatch(/vend\.authorize .*: price 350/);
    expect(select.stdout).toContain("vend.completed: slot 2, price 350");

    const deny = await runCliAsync(["sim", "vend", "select", "--item", "1", "--deny", ...flags], {
      cwd: ROOT,
    });
    expect(deny.status, deny.stderr).toBe(0);
    expect(deny.stdout).toContain("vend.denied: slot 1, price 300, reason demo_denied");

    const cash = await runCliAsync(["sim", "vend", "cash", "--item", "4", ...flags], { cwd: ROOT });
    expect(cash.status, cash.stderr).toBe(0);
    expect(cash.stdout).toContain("cash sale recorded: slot 4, price 250");

    const bad = await runCliAsync(["sim", "vend", "cash", "--item", "x", ...flags], { cwd: ROOT });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("QH_USAGE");

    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
  }, 120_000);
});
