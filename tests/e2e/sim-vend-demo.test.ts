/**
 * The README's vending demo: the demo gateway (config/default.yaml, its simulated vending machine)
 * on moved ports, then `quarterhour sim vend phone`, `select`, `select --deny` and `cash` as child
 * processes, each printing the outcome and exiting 0; a bad item is a usage error (exit 2). A
 * phone customer whose selection fails leaves no session open (the CLI cancels it); a select-first
 * customer the gateway denies at once (price range) gets the denial at once, not a timeout.
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

    // a phone customer whose selection fails (no item 99): the CLI fails and ends the session it began
    const lost = await runCliAsync(["sim", "vend", "phone", "--item", "99", "--credit", "800", ...flags], {
      cwd: ROOT,
    });
    expect(lost.status).toBe(1);
    expect(lost.stderr).toContain("QH_SIM_VEND_FAILED");
    expect(lost.stderr).toMatch(/session demo-pay-\w+ cancelled/);
    const machines = async () => {
      const r = await fetch(`http://127.0.0.1:${api}/api/v1/vending/machines`, {
        headers: { authorization: "Bearer demo-token-not-secret-change-me" },
      });
      return ((await r.json()) as { machines: { session: unknown; readerState: string }[] }).machines[0];
    };
    for (
      let i = 0;
      i < 200 && ((await machines())?.session !== null || (await machines())?.readerState !== "ENABLED");
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    expect((await machines())?.session).toBeNull();

    // an immediate denial by the gateway (item 4 at 250 below the planogram's new range) is printed at once
    const platform = await mqtt.connectAsync(`mqtt://127.0.0.1:${up}`, { reconnectPeriod: 0 });
    await platform.subscribeAsync("qh/v1/gw-demo/cmd-result/prices-1", { qos: 1 });
    const answered = new Promise<string>((ok) => platform.once("message", (_t, p) => ok(p.toString())));
    await platform.publishAsync(
      "qh/v1/gw-demo/cmd/vend.prices",
      JSON.stringify({
        id: "prices-1",
        args: { device: "vending-a", prices: [{ slot: 4, price: 300 }] },
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
      { qos: 1 },
    );
    expect(JSON.parse(await answered)).toMatchObject({ status: "ok", result: { priceRange: { min: 300 } } });
    await platform.endAsync(true);
    const denied = await runCliAsync(["sim", "vend", "select", "--item", "4", ...flags], { cwd: ROOT });
    expect(denied.status, denied.stderr).toBe(0);
    expect(denied.stdout).toContain("vend.denied: slot 4, price 250, reason price_out_of_range");

    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
  }, 120_000);
});
