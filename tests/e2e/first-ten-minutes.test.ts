/**
 * The README's "Your first ten minutes", as a new user follows it: start the demo on ports moved
 * with environment variables, wait for "gateway started", watch the stream, deposit, see the
 * compartments, pick up with the command the deposit printed, see the compartments, stop.
 * Every step is a CLI child process; the watcher is an MQTT subscriber like mosquitto_sub.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCliAsync, startProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { connectClient, freePort, waitUntil } from "../helpers/upstream.js";

const ROOT = join(import.meta.dirname, "../..");
const DEMO_TOKEN = "demo-token-not-secret-change-me"; // config/default.yaml
const BIN = join(ROOT, "bin/quarterhour.js");
const dir = tempDir("qh-first-");
let gw: Awaited<ReturnType<typeof startProcess>> | undefined;
let sub: MqttClient | undefined;
afterAll(async () => {
  sub?.end(true);
  if (gw && gw.proc.exitCode === null) {
    gw.proc.kill("SIGKILL");
    await exited(gw.proc);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The args of the `npx quarterhour …` command a line printed (a printed hint). */
function hintedArgs(line: string): string[] {
  const m = /try: npx quarterhour (.*)\)$/.exec(line);
  if (!m) throw new Error(`no hint in ${line}`);
  return m[1]!.split(/\s+/).map((a) => a.replace(/^'(.*)'$/, "$1"));
}

describe("the README's first ten minutes, on moved ports", () => {
  it("start, watch, deposit, compartments, pick up, compartments, stop", async () => {
    const [api, dev, up] = [await freePort(), await freePort(), await freePort()];
    const env = {
      QH_API_PORT: String(api),
      QH_DEVICE_BROKER_PORT: String(dev),
      QH_UPLINK_PORT: String(up),
      QH_DATA_DIR: join(dir, "data"),
    };
    const flags = ["--api-port", String(api), "--uplink-port", String(up), "--data-dir", join(dir, "data")];

    // 1. start (the demo config from the checkout), and wait for "gateway started"
    gw = await startProcess(process.execPath, [BIN, "start"], { cwd: ROOT, env });
    const started = gw.logs.find((l) => l.includes('"gateway started"'))!;
    expect(JSON.parse(started)).toMatchObject({ api, deviceBroker: dev, gateway: "gw-demo" });
    // the hint names the real watch command, not a placeholder
    expect(gw.logs.join("\n")).toContain(`mosquitto_sub -h 127.0.0.1 -p ${up} -t 'qh/v1/#' -v`);

    // 2. watch the stream
    sub = await connectClient(`mqtt://127.0.0.1:${up}`, { reconnectPeriod: 0 });
    const seen: { topic: string; payload: string }[] = [];
    sub.on("message", (topic, p) => seen.push({ topic, payload: p.toString() }));
    await sub.subscribeAsync("qh/#", { qos: 1 });
    await waitUntil(() => seen.some((m) => m.topic === "qh/v1/gw-demo/status"), 5000, "retained status");
    expect(JSON.parse(seen.find((m) => m.topic === "qh/v1/gw-demo/status")!.payload).online).toBe(true);
    const types = () =>
      seen
        .filter((m) => m.topic === "qh/v1/gw-demo/events")
        .flatMap((m) => (JSON.parse(m.payload) as { type: string }[]).map((e) => e.type));

    // 3. deposit (flags, not env: the printed hint must carry what the next command needs)
    const dep = await runCliAsync(["sim", "courier-deposit", ...flags], { cwd: ROOT });
    expect(dep.status, dep.stderr).toBe(0);
    const code = /pickup code: (\d+)/.exec(dep.stdout)?.[1];
    expect(code).toBeDefined();
    const compartment = /deposited in (\S+);/.exec(dep.stdout)![1]!;
    await waitUntil(() => types().includes("parcel.deposited"), 5000, "parcel.deposited");
    expect(types()).toEqual(["door.opened", "door.closed", "parcel.deposited"]);

    // (aside) a step the gateway refuses mid-session (the same barcode again) ends the session:
    // nothing is left half done at the kiosk
    const barcode = /parcel (\S+) scanned/.exec(dep.stdout)![1]!;
    const again = await runCliAsync(["sim", "courier-deposit", "--barcode", barcode, ...flags], {
      cwd: ROOT,
    });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/error QH_LOCKER_CONFLICT: parcel .* is already in locker/);
    const session = await fetch(`http://127.0.0.1:${api}/api/v1/kiosk/kiosk-a/deposit`, {
      headers: { authorization: `Bearer ${DEMO_TOKEN}` },
    });
    expect(session.status).toBe(404);

    // 4. see the compartments: the parcel's compartment is occupied
    const c1 = await runCliAsync(["locker", "compartments", ...flags], { cwd: ROOT });
    expect(c1.status, c1.stderr).toBe(0);
    expect(c1.stdout).toMatch(/^DEVICE\s+COMPARTMENT\s+SIZE\s+STATE\s+DOOR\s+PARCEL/);
    expect(c1.stdout).toMatch(
      new RegExp(`locker-a\\s+${compartment}\\s+\\S+\\s+occupied\\s+closed\\s+\\S{10,}`),
    );
    expect(c1.stdout).toMatch(/36 compartments, 35 free; from the running gateway gw-demo/);

    // 5. pick up with exactly the command the deposit printed (no env: the hint's flags suffice)
    const hint = dep.stdout.split("\n").find((l) => l.includes("try: npx quarterhour sim pickup"))!;
    const pick = await runCliAsync(hintedArgs(hint), { cwd: ROOT });
    expect(pick.status, pick.stderr).toBe(0);
    expect(pick.stdout).toMatch(/picked up/);
    await waitUntil(() => types().includes("parcel.picked_up"), 5000, "parcel.picked_up");
    const order = [
      "door.opened",
      "door.closed",
      "parcel.deposited",
      "door.opened",
      "door.closed",
      "parcel.picked_up",
    ];
    expect(types()).toEqual(order);
    // the README tells the order they really arrive in
    const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
    expect(readme).toContain(order.map((t) => `\`${t}\``).join(" → "));

    // 6. compartments again: all free
    const c2 = await runCliAsync(["locker", "compartments", "--json", ...flags], { cwd: ROOT });
    const rows = JSON.parse(c2.stdout) as { state: string }[];
    expect(rows).toHaveLength(36);
    expect(rows.every((r) => r.state === "free")).toBe(true);

    // 7. stop: SIGTERM, offline status on the stream, exit 0
    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
    await waitUntil(
      () => seen.some((m) => m.topic === "qh/v1/gw-demo/status" && JSON.parse(m.payload).online === false),
      5000,
      "offline status",
    );
    // with the gateway stopped, the compartments still come from the database (read-only)
    const c3 = await runCliAsync(["locker", "compartments", ...flags], { cwd: ROOT });
    expect(c3.status, c3.stderr).toBe(0);
    expect(c3.stdout).toMatch(/read-only: no gateway answers/);
  }, 180_000);
});
