/**
 * The cold chain demo through the CLI, as a newcomer runs it: the demo gateway (config/default.yaml,
 * simulated Modbus controller and cold locker bank) as a child process, then
 * `quarterhour sim cold-fault chilled` as another: the alarm, a refused deposit, the repair and the
 * breach naming the parcel, on the CLI's output and on the platform's stream; then
 * `quarterhour cold export` and the readings API, with their coded refusals.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCliAsync, startProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { connectClient, freePort, waitUntil } from "../helpers/upstream.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/quarterhour.js");
const TOKEN = "demo-token-not-secret-change-me"; // config/default.yaml
const dir = tempDir("qh-cold-demo-");
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

describe("quarterhour sim cold-fault, on the demo site", () => {
  it("shows the alarm, a refused deposit and the breach event; the record exports", {
    timeout: 240_000,
  }, async () => {
    const [api, dev, up] = [await freePort(), await freePort(), await freePort()];
    const data = join(dir, "data");
    const flags = [
      "--api-port",
      String(api),
      "--device-broker-port",
      String(dev),
      "--uplink-port",
      String(up),
      "--data-dir",
      data,
    ];
    gw = await startProcess(process.execPath, [BIN, "start", ...flags, "--log-format", "json"], {
      cwd: ROOT,
    });

    sub = await connectClient(`mqtt://127.0.0.1:${up}`, { reconnectPeriod: 0 });
    const events: { type: string; device: string; data: Record<string, unknown> }[] = [];
    sub.on("message", (topic, p) => {
      if (topic === "qh/v1/gw-demo/events") events.push(...(JSON.parse(p.toString()) as typeof events));
    });
    await sub.subscribeAsync("qh/#", { qos: 1 });

    const run = await runCliAsync(["sim", "cold-fault", "chilled", ...flags], {
      cwd: ROOT,
      timeoutMs: 200_000,
    });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/ALARM raised: zone chilled temperature \(single\)/);
    expect(out).toMatch(
      /deposit refused, the kiosk shows: QH_COLD_ZONE_ALARM: compartment C0\d is in cold zone chilled/,
    );
    expect(out).toMatch(/alarm cleared: zone chilled/);
    const parcelId = /deposited in C0\d; parcel (\S+)/.exec(out)?.[1];
    expect(parcelId).toBeDefined();
    expect(out).toContain(`BREACH parcel.cold_chain_breach: parcel ${parcelId}`);

    // the platform's stream has the same story, as business events
    await waitUntil(
      () => events.some((e) => e.type === "parcel.cold_chain_breach"),
      10_000,
      "the breach event",
    );
    const types = events.map((e) => e.type).filter((t) => t.startsWith("cold.") || t.includes("breach"));
    expect(types).toContain("cold.alarm.raised");
    expect(types).toContain("cold.alarm.cleared");
    const breach = events.find((e) => e.type === "parcel.cold_chain_breach")!;
    expect(breach).toMatchObject({ device: "cold-a", data: { parcelId, zone: "chilled" } });
    expect(breach.data.peakC as number).toBeGreaterThan(6);

    // the hint carries the flags that reach this gateway, and the pickup tells the resident
    const hint = /kiosk will say so at pickup: npx quarterhour (sim pickup \S+ .*)$/m.exec(out)?.[1];
    expect(hint).toBeDefined();
    for (const f of flags) expect(hint!.split(" ")).toContain(f);
    const pick = await runCliAsync(hint!.split(" "), { cwd: ROOT, timeoutMs: 60_000 });
    expect(pick.status, pick.stderr + pick.stdout).toBe(0);
    expect(pick.stdout).toMatch(/cold chain breach: zone chilled was out of range .* min, peak \d/);
    expect(pick.stdout).toMatch(/picked up/);

    // the record: the CLI export (read-only, beside the running gateway), JSON
    const exp = await runCliAsync(
      [
        "cold",
        "export",
        "--zone",
        "chilled",
        "--from",
        "2020-01-01T00:00:00Z",
        "--to",
        "2100-01-01T00:00:00Z",
        "--format",
        "json",
        ...flags,
      ],
      { cwd: ROOT },
    );
    expect(exp.status, exp.stderr).toBe(0);
    const doc = JSON.parse(exp.stdout) as {
      zone: string;
      readings: { seq: number; temperatureC: number | null }[];
    };
    expect(doc.zone).toBe("chilled");
    expect(doc.readings.length).toBeGreaterThan(5);
    expect(doc.readings.some((r) => (r.temperatureC ?? 0) > 6)).toBe(true);
    expect(doc.readings.map((r) => r.seq)).toEqual(doc.readings.map((_, i) => i + 1));
    const bad = await runCliAsync(
      ["cold", "export", "--zone", "nope", "--from", "2020-01-01", "--to", "2021-01-01", ...flags],
      { cwd: ROOT },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("QH_COLD_ZONE_UNKNOWN");
    const badRange = await runCliAsync(
      ["cold", "export", "--zone", "chilled", "--from", "tomorrow", "--to", "2021-01-01", ...flags],
      { cwd: ROOT },
    );
    expect(badRange.status).toBe(2);
    expect(badRange.stderr).toContain("QH_COLD_INPUT_INVALID");

    // the API: CSV streamed, and coded refusals
    const get = (path: string) =>
      fetch(`http://127.0.0.1:${api}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const csv = await get("/cold/zones/chilled/readings?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect((await csv.text()).split("\n")[0]).toBe("seq,time,temperatureC,quality,clock");
    const r400 = await get("/cold/zones/chilled/readings?from=yesterday&to=2100-01-01T00:00:00Z");
    expect(r400.status).toBe(400);
    expect(((await r400.json()) as { error: { code: string } }).error.code).toBe("QH_COLD_INPUT_INVALID");
    const r404 = await get("/cold/zones/nope/readings?from=2020-01-01&to=2021-01-01");
    expect(r404.status).toBe(404);
    expect(((await r404.json()) as { error: { code: string } }).error.code).toBe("QH_COLD_ZONE_UNKNOWN");
    const schema = await get("/cold/zones/chilled/readings?from=2020-01-01&to=2021-01-01&format=xml");
    expect(schema.status).toBe(400);

    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
  });
});
