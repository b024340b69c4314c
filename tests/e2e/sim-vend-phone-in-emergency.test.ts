/**
 * New-user review of issue 11: the README's vending demo (`npx quarterhour sim vend phone --item 3
 * --credit 800`) on the demo gateway after `site.mode emergency` (docs/emergency.md "On the demo
 * site"). The CLI's session names no household, so the gateway rejects it
 * (QH_VEND_HOUSEHOLD_REQUIRED) and the CLI says `error QH_SIM_FAILED … → check the gateway's log
 * and quarterhour locker compartments`: a hint about the locker, for a vending session, and no
 * way to name a household (`sim vend phone` has no --household). Rationed vending cannot be tried
 * on the demo from the CLI.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCliAsync, startProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/quarterhour.js");
const dir = tempDir("qh-vend-emergency-");
let gw: Awaited<ReturnType<typeof startProcess>> | undefined;
afterAll(async () => {
  if (gw && gw.proc.exitCode === null) {
    gw.proc.kill("SIGKILL");
    await exited(gw.proc);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("new user: sim vend phone in emergency mode", () => {
  // new user: `sim vend phone` cannot name a household, so in emergency mode it always fails with
  // a locker hint. Fixed when this fails (a --household flag, and the vend's outcome printed).
  it("a phone payer naming a household gets the vend's outcome, exit 0", async () => {
    const [api, dev, up] = [await freePort(), await freePort(), await freePort()];
    const env = {
      QH_API_PORT: String(api),
      QH_DEVICE_BROKER_PORT: String(dev),
      QH_UPLINK_PORT: String(up),
      QH_DATA_DIR: join(dir, "data"),
    };
    gw = await startProcess(process.execPath, [BIN, "start"], { cwd: ROOT, env });
    const flags = ["--api-port", String(api), "--uplink-port", String(up)];

    const platform = await mqtt.connectAsync(`mqtt://127.0.0.1:${up}`, { reconnectPeriod: 0 });
    await platform.subscribeAsync("qh/v1/gw-demo/cmd-result/em-1", { qos: 1 });
    const answered = new Promise<string>((ok) => platform.once("message", (_t, p) => ok(p.toString())));
    await platform.publishAsync(
      "qh/v1/gw-demo/cmd/site.mode",
      JSON.stringify({
        id: "em-1",
        args: { mode: "emergency", reason: "demo" },
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
      { qos: 1 },
    );
    expect(JSON.parse(await answered)).toMatchObject({ status: "ok", result: { mode: "emergency" } });
    await platform.endAsync(true);

    // without a household: refused, with a vending hint naming the flag (not the locker's)
    const none = await runCliAsync(["sim", "vend", "phone", "--item", "3", "--credit", "800", ...flags], {
      cwd: ROOT,
    });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("QH_VEND_HOUSEHOLD_REQUIRED");
    expect(none.stderr).toContain("--household");
    expect(none.stderr).not.toContain("locker compartments");

    const phone = await runCliAsync(
      ["sim", "vend", "phone", "--item", "3", "--credit", "800", "--household", "b2-1101", ...flags],
      { cwd: ROOT },
    );
    expect(phone.stderr).not.toContain("locker compartments");
    expect(phone.status, phone.stderr).toBe(0);
    expect(phone.stdout).toMatch(/vend\.(completed|denied)/);

    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
  }, 120_000);
});
