/**
 * Crash safety: the gateway runs as a child process; a device publishes 20,000 QoS 1 events; the
 * gateway is killed with SIGKILL mid-stream and restarted. Every event that got a PUBACK must reach
 * the platform with its original id, and the seqs the platform saw must have no gap. Duplicates
 * are allowed; losses are not.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCli, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import {
  connectClient,
  freePort,
  mosquittoRequired,
  Platform,
  startAedes,
  startMosquitto,
  type Upstream,
  waitUntil,
} from "../helpers/upstream.js";

const TOTAL = 20_000;
const KILL_AT = 8_000;

describe("crash safety (kill -9 mid-stream)", () => {
  const dir = tempDir("qh-crash-");
  let up: Upstream | undefined;
  afterAll(async () => {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every acknowledged event arrives upstream with its original id, and seqs have no gap", async () => {
    up = mosquittoRequired() ? await startMosquitto() : await startAedes();
    const platform = await Platform.connect(up.url);
    const devPort = await freePort();
    const config = writeConfig(dir, {
      gateway: { id: "gw-crash", site: "crash-test" },
      dataDir: `${dir}/data`,
      // 20,000 events from one device as fast as it can: the fairness limit lifted
      deviceBroker: {
        host: "127.0.0.1",
        port: devPort,
        maxEventsPerSecond: 1_000_000,
        eventBurst: 10_000_000,
      },
      uplink: { url: up.url, reconnect: { minMs: 100, maxMs: 500 } },
      api: { host: "127.0.0.1", port: 0 },
      devices: [{ id: "locker-1", model: "generic-mqtt" }],
    });
    const add = runCli([
      "device",
      "add",
      "locker-1",
      "--model",
      "generic-mqtt",
      "--secret",
      "crash-secret",
      "--config",
      config,
    ]);
    expect(add.status, add.stderr).toBe(0);

    let gw = await startGatewayProcess(config);
    const dev = await connectClient(`mqtt://127.0.0.1:${devPort}`, {
      username: "locker-1",
      password: "crash-secret",
      clientId: "locker-1",
    });
    dev.on("error", () => {});
    const acked: number[] = [];
    let sent = 0;
    let killed = false;
    // keep 200 publishes in flight; kill the gateway once KILL_AT are acknowledged
    await new Promise<void>((resolve) => {
      let inflight = 0;
      const pump = () => {
        while (!killed && inflight < 200 && sent < TOTAL) {
          const n = sent++;
          inflight++;
          dev.publish(
            "dev/locker-1/evt/parcel.picked_up",
            JSON.stringify({ n, code: "x".repeat(150) }),
            { qos: 1 },
            (err) => {
              inflight--;
              if (!err && !killed) acked.push(n);
              if (!killed && acked.length >= KILL_AT) {
                killed = true;
                gw.proc.kill("SIGKILL");
                resolve();
                return;
              }
              pump();
            },
          );
        }
      };
      pump();
    });
    await exited(gw.proc);
    dev.end(true);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AT);

    // restart on the same data dir: the outbox drains from the first unmarked seq
    gw = await startGatewayProcess(config);
    const dev2 = await connectClient(`mqtt://127.0.0.1:${devPort}`, {
      username: "locker-1",
      password: "crash-secret",
    });
    // the device resends what it was never told was accepted, as a real one would, then the rest
    const ackedSet = new Set(acked);
    const remaining: number[] = [];
    for (let n = 0; n < TOTAL; n++) if (!ackedSet.has(n)) remaining.push(n);
    for (let i = 0; i < remaining.length; i += 500) {
      await Promise.all(
        remaining
          .slice(i, i + 500)
          .map((n) =>
            dev2.publishAsync(
              "dev/locker-1/evt/parcel.picked_up",
              JSON.stringify({ n, code: "x".repeat(150) }),
              { qos: 1 },
            ),
          ),
      );
    }
    await dev2.endAsync();

    const seen = () => new Set(platform.events.map((e) => e.data.n as number));
    await waitUntil(() => seen().size === TOTAL, 90_000, "every event upstream");

    // no acknowledged event lost
    const s = seen();
    for (const n of acked) expect(s.has(n)).toBe(true);
    // seqs seen form 1..max with no gap
    const seqs = [...new Set(platform.events.map((e) => e.seq))].sort((a, b) => a - b);
    expect(seqs[0]).toBe(1);
    expect(seqs.length).toBe(seqs.at(-1));
    // a resent event keeps its original id: one id per seq
    const idBySeq = new Map<number, string>();
    for (const e of platform.events) {
      const prior = idBySeq.get(e.seq);
      if (prior) expect(e.id).toBe(prior);
      else idBySeq.set(e.seq, e.id);
    }
    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
    await platform.close();
  });
});
