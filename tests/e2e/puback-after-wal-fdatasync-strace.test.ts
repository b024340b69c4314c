/**
 * Durability at PUBACK, as the kernel sees it (issue 6 review). The gateway runs as a real child
 * process under `strace -f`; a device publishes QoS 1 events one at a time, each with a unique key.
 * From the system calls: the first write to the `-wal` file that carried an event's key (its
 * commit), the PUBACK written to that device's socket after it, and the fdatasync/fsync calls on
 * the `-wal` file. Every PUBACK must come after an fdatasync (or fsync) of the WAL that started
 * after the event's commit was written and completed before the PUBACK was written. A gateway whose
 * sync is a no-op (or syncs the wrong file, or too early) fails here; the in-process tests, which
 * copy files from the page cache, cannot tell.
 *
 * The gateway is started a second time on the same data dir (the first run's close deleted the
 * WAL, so this run's open creates it anew): the new WAL's directory entry must be synced (an fsync
 * of the data dir) before the first PUBACK, or a power cut can lose the whole new file.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, exited, runCli, startGatewayProcess, startProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { hexOf, readStrace, type Syscall } from "../helpers/strace.js";
import { connectClient, freePort, startAedes, type Upstream } from "../helpers/upstream.js";

const N = 40;
const hasStrace = spawnSync("strace", ["-V"]).status === 0;
if (!hasStrace && process.env.CI) throw new Error("strace is required in CI (.ci/run installs it)");

describe.skipIf(!hasStrace)("PUBACK only after the WAL's fdatasync (strace of the real process)", () => {
  const dir = tempDir("qh-strace-");
  let up: Upstream | undefined;
  afterAll(async () => {
    await up?.stop();
    if (!process.env.QH_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it("every PUBACK follows a completed fdatasync of the -wal that started after the event's commit", async () => {
    up = await startAedes();
    const devPort = await freePort();
    const data = join(dir, "data");
    const config = writeConfig(dir, {
      gateway: { id: "gw-strace", site: "strace-test" },
      dataDir: data,
      deviceBroker: { host: "127.0.0.1", port: devPort },
      uplink: { url: up.url, reconnect: { minMs: 100, maxMs: 500 } },
      api: { host: "127.0.0.1", port: 0 },
      devices: [{ id: "meter-1", model: "generic-mqtt" }],
      store: { fsync: "background" },
    });
    const add = runCli([
      "device",
      "add",
      "meter-1",
      "--model",
      "generic-mqtt",
      "--secret",
      "st-secret",
      "--config",
      config,
    ]);
    expect(add.status, add.stderr).toBe(0);
    // a first run creates the store; its stop deletes the WAL (the last connection closed)
    const first = await startGatewayProcess(config);
    first.proc.kill("SIGTERM");
    expect(await exited(first.proc)).toBe(0);

    const trace = join(dir, "trace.txt");
    const gw = await startProcess(
      "strace",
      [
        "-f",
        "-ttt",
        "-T",
        "-yy",
        "-xx",
        "-s",
        "4200",
        "-o",
        trace,
        "-e",
        "trace=pwrite64,write,writev,sendmsg,sendto,fdatasync,fsync",
        process.execPath,
        BIN,
        "start",
        "--config",
        config,
        "--log-level",
        "info",
      ],
      { timeoutMs: 60_000 },
    );
    // the gateway is strace's child: stopped by its own pid (SIGTERM), strace then exits
    const pid = Number(
      spawnSync("ps", ["-o", "pid=", "--ppid", String(gw.proc.pid)], { encoding: "utf8" }).stdout.trim(),
    );
    expect(pid).toBeGreaterThan(0);
    const dev = await connectClient(`mqtt://127.0.0.1:${devPort}`, {
      username: "meter-1",
      password: "st-secret",
    });
    const keys: string[] = [];
    try {
      for (let i = 0; i < N; i++) {
        const key = `K${i}x${Math.random().toString(36).slice(2, 10)}`;
        keys.push(key);
        await dev.publishAsync("dev/meter-1/evt/meter.tick", JSON.stringify({ key }), { qos: 1 });
      }
    } finally {
      await dev.endAsync();
      process.kill(pid, "SIGTERM");
      await exited(gw.proc);
    }

    const calls = readStrace(trace);
    const wal = (c: Syscall) => c.target.endsWith("/quarterhour.db-wal");
    const walWrites = calls.filter((c) => wal(c) && (c.name === "pwrite64" || c.name === "write"));
    const walSyncs = calls.filter(
      (c) => wal(c) && (c.name === "fdatasync" || c.name === "fsync") && c.ret === "0",
    );
    const dirSyncs = calls.filter(
      (c) => c.target === data && (c.name === "fsync" || c.name === "fdatasync") && c.ret === "0",
    );
    // the broker's writes to this device's connection whose bytes start with a PUBACK (0x40 0x02)
    const pubacks = calls.filter(
      (c) =>
        c.target.includes(`127.0.0.1:${devPort}->`) &&
        /^(write|writev|sendmsg|sendto)$/.test(c.name) &&
        c.hex.startsWith("4002"),
    );
    expect(walWrites.length).toBeGreaterThan(0);
    expect(pubacks.length).toBeGreaterThanOrEqual(N);

    for (const key of keys) {
      const commit = walWrites.find((c) => c.hex.includes(hexOf(key)));
      expect(commit, `the commit of ${key} written to the WAL`).toBeDefined();
      // published one at a time: the first PUBACK written after the commit is this event's
      const ack = pubacks.find((c) => c.start >= commit!.end);
      expect(ack, `a PUBACK after the commit of ${key}`).toBeDefined();
      const sync = walSyncs.find((s) => s.start >= commit!.end && s.end <= ack!.start);
      expect(sync, `an fdatasync of the WAL between the commit of ${key} and its PUBACK`).toBeDefined();
    }
    // this run created the WAL anew: its directory entry was synced before the first PUBACK
    const firstAck = pubacks[0]!;
    expect(
      dirSyncs.some((s) => s.end <= firstAck.start),
      "an fsync of the data dir before the first PUBACK",
    ).toBe(true);
  }, 120_000);
});
