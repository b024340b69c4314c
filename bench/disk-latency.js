// Issue 13: the gateway on a slow disk (an SD card's fsync), with and without the background fsync.
// `node bench/disk-latency.js` (after `npm run build`; standalone, not part of `npm run bench`: it
// needs strace and takes long). Prints figures; asserts nothing. Method and figures: docs/performance.md.
//
// The disk's latency is injected with strace: every fsync/fdatasync of the gateway process (any
// thread) returns `delay` ms late (`strace -f --seccomp-bpf -e trace=fsync,fdatasync
// -e inject=fsync,fdatasync:delay_exit=…`; with --seccomp-bpf only those two calls stop the
// process, nothing else is slowed). Delay 0 runs without strace. For each delay and each mode
// (store.fsync background | inline, the latter being the synchronous=FULL path before issue 13):
//
//   durable  4 devices × 100 QoS 1 events in flight: PUBACKed (= durable) events/s, against the
//            bound the devices' windows set (400 in flight ÷ the fsync time), and events per commit
//   health   one device at 200 events/s for FSYNC_HEALTH_S s, GET /health every 20 ms: p50/p99/max
//   door     bench/locker.js's door-open latency (code accepted → open frame at the board) under
//            FSYNC_DOOR_RATE events/s from an MQTT device (200: the goal is at 200 events/s)
//            and three more busy lines, the whole bench process under strace
//
// Environment: FSYNC_DELAYS (0,10,30,100), FSYNC_MODES (background,inline), FSYNC_PARTS
// (durable,health,door), FSYNC_EVENTS (events of the durable part: 100000 at +0 ms, where 20000
// pass in half a second, too short for the CPU figures' 10 ms ticks; 20000 with a delay),
// FSYNC_HEALTH_S (15; shorter windows overstate p99), FSYNC_PICKUPS (48), FSYNC_DOOR_RATE (200),
// FSYNC_RUNS (1: with more, a table of medians follows), FSYNC_PEERS (raw,mqttjs: the device peers
// of the durable part), FSYNC_GATEWAY_NODE_ARGS (node flags for the gateway, e.g. "--cpu-prof
// --cpu-prof-dir=/tmp/prof"), FSYNC_TRACE (a file for strace's log of the door part's syncs,
// default /dev/null; the durable and health parts log to their temp dir), MOSQUITTO (the upstream
// broker's binary, default /usr/sbin/mosquitto). Needs strace for any delay above 0 and Mosquitto.
//
// "of the bound": durable events/s against 400 in flight ÷ the injected delay (the nominal bound),
// and against 400 ÷ the mean fdatasync the gateway measured (qh_wal_fsync_seconds; on a real card
// run with FSYNC_DELAYS=0 and TMPDIR on the card, this is the only bound there is).
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { doorLatencyBench } from "./locker.js";
import { startMosquitto, upstreamConf } from "./mosquitto.js";
import {
  cpuSeconds,
  freePort,
  installCleanup,
  kill,
  removeTmpDir,
  request,
  sleep,
  start,
  stop,
  threadCpuSeconds,
  tmpDir,
  waitForPort,
  worker,
} from "./procs.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const BIN = join(ROOT, "bin", "quarterhour.js");
const list = (name, dflt) => (process.env[name] ?? dflt).split(",").filter(Boolean);
const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const DELAYS = list("FSYNC_DELAYS", "0,10,30,100").map(Number);
const MODES = list("FSYNC_MODES", "background,inline");
const eventsAt = (delay) => num("FSYNC_EVENTS", delay > 0 ? 20_000 : 100_000);
const HEALTH_S = num("FSYNC_HEALTH_S", 15);
const PICKUPS = num("FSYNC_PICKUPS", 48);
const DOOR_RATE = num("FSYNC_DOOR_RATE", 200);
const RUNS = num("FSYNC_RUNS", 1);
const PARTS = list("FSYNC_PARTS", "durable,health,door");
// raw: bench/raw-devices.js (a few µs of CPU per event, as devices on their own CPUs would cost the
// box); mqttjs: bench/load.js (4 MQTT.js clients, tens of µs per event on the same 2 cores)
const PEERS = list("FSYNC_PEERS", "raw,mqttjs");
const DEVICES = 4;
const INFLIGHT = 100;
const SIZE = 200;
const SECRET = "bench-secret-0123456789";
const BULK = Array.from({ length: DEVICES }, (_, k) => `bench-${k}`);
const LIVE = "bench-live";

const log = (s) => process.stderr.write(`${s}\n`);
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : Number.NaN;
};

/** The command line that runs `args` (node …) with every fsync/fdatasync delayed by `ms`. */
export function withFsyncDelay(ms, args, trace = process.env.FSYNC_TRACE) {
  if (ms <= 0) return [process.execPath, args];
  const inject = `inject=fsync,fdatasync:delay_exit=${ms * 1000}`;
  return [
    "strace",
    [
      "-f",
      "-qq",
      "--seccomp-bpf",
      "-tt",
      "-o",
      trace ?? "/dev/null", // a file: which thread syncs, and when
      "-e",
      "trace=fsync,fdatasync",
      "-e",
      inject,
      process.execPath,
      ...args,
    ],
  ];
}

function config(dir, mode, { devicePort = 1883, uplinkPort = 1883, apiPort = 0 } = {}) {
  const file = join(dir, "gateway.yaml");
  writeFileSync(
    file,
    [
      "gateway: { id: bench-gw, site: bench }",
      `dataDir: ${join(dir, "data")}`,
      `deviceBroker: { host: 127.0.0.1, port: ${devicePort}, maxEventsPerSecond: 1000000, eventBurst: 10000000 }`,
      `uplink: { url: "mqtt://127.0.0.1:${uplinkPort}", reconnect: { minMs: 100, maxMs: 250 } }`,
      `api: { host: 127.0.0.1, port: ${apiPort} }`,
      `store: { synchronous: FULL, fsync: ${mode} }`,
      "log: { level: warn }",
      "devices:",
      ...[...BULK, LIVE].map((id) => `  - { id: ${id}, model: generic-mqtt }`),
      "",
    ].join("\n"),
  );
  return file;
}

let template;
function provision() {
  const dir = tmpDir("fsync-template");
  const file = config(dir, "inline");
  for (const id of [...BULK, LIVE]) {
    execFileSync(
      process.execPath,
      [BIN, "device", "add", id, "--model", "generic-mqtt", "--secret", SECRET, "--config", file],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
  }
  return join(dir, "data");
}

async function gateway(dir, mode, delay, uplinkPort) {
  const devicePort = await freePort();
  const apiPort = await freePort();
  cpSync(template, join(dir, "data"), { recursive: true });
  const file = config(dir, mode, { devicePort, uplinkPort, apiPort });
  const trace = join(dir, "strace.txt");
  const nodeArgs = (process.env.FSYNC_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const [cmd, args] = withFsyncDelay(delay, [...nodeArgs, BIN, "start", "--config", file], trace);
  const child = start("gateway", cmd, args, { cwd: ROOT, logFile: join(dir, "gateway.log") });
  await waitForPort(devicePort, child, 60_000);
  await waitForPort(apiPort, child, 60_000);
  let pid = child.pid;
  if (delay > 0) {
    const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/);
    pid = Number(kids[0]);
  }
  return { child, url: `mqtt://127.0.0.1:${devicePort}`, apiPort, pid, trace: delay > 0 ? trace : undefined };
}

/**
 * fsync/fdatasync calls made by the gateway's main thread (its tid is its pid) between two
 * Date.now() instants, from strace's -tt log (local time of day); undefined without a trace.
 */
function mainThreadSyncs(gw, fromMs, toMs) {
  if (!gw.trace) return undefined;
  const sod = (ms) => {
    const d = new Date(ms);
    return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds() + d.getMilliseconds() / 1000;
  };
  const [a, b] = [sod(fromMs), sod(toMs)];
  let n = 0;
  for (const line of readFileSync(gw.trace, "utf8").split("\n")) {
    const m = line.match(/^(\d+)\s+(\d\d):(\d\d):(\d\d(?:\.\d+)?) (?:fsync|fdatasync)\(/);
    if (!m || Number(m[1]) !== gw.pid) continue;
    const t = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
    if (t >= a && t <= b) n++;
  }
  return n;
}

/**
 * Stop a gateway, traced or not: strace passes on no signal, so the node process under it gets
 * SIGTERM itself (strace exits with it).
 */
async function stopGateway(child) {
  if (!child) return;
  let pids = [];
  try {
    pids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    // gone already
  }
  if (child.spawnargs[0] !== "strace" || pids.length === 0) return stop(child);
  const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  for (const pid of pids) kill(Number(pid), "SIGTERM");
  const timer = setTimeout(() => {
    for (const pid of pids) kill(Number(pid), "SIGKILL");
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

async function metrics(apiPort) {
  const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
  const get = (name) => Number(text.match(new RegExp(`^${name}(?:{[^}]*})? (\\S+)$`, "m"))?.[1]);
  return {
    commits: get("qh_ingest_batch_size_count"),
    events: get("qh_ingest_batch_size_sum"),
    syncs: get("qh_wal_fsync_seconds_count"),
    syncS: get("qh_wal_fsync_seconds_sum"),
  };
}

/**
 * An upstream Mosquitto, the gateway (`mode`, `delay`) and a load worker in a temp dir, handed to
 * `measure(gw, p)`; all stopped and removed afterwards, whatever happens.
 */
async function withSite(name, mode, delay, measure, peer = "mqttjs") {
  const dir = tmpDir(name);
  const p = {};
  try {
    const bPort = await freePort();
    p.b = await startMosquitto("B", upstreamConf(bPort), dir, bPort);
    const gw = await gateway(dir, mode, delay, bPort);
    p.gw = gw.child;
    p.load = worker("load", join(HERE, peer === "raw" ? "raw-devices.js" : "load.js"));
    return await measure(gw, p);
  } finally {
    await stop(p.load);
    await stopGateway(p.gw);
    await stop(p.b);
    removeTmpDir(dir);
  }
}

/** 4 devices × 100 in flight: durable (PUBACKed) events/s and events per group commit. */
async function durable(mode, delay, peer) {
  return withSite(
    "fsync-durable",
    mode,
    delay,
    async (gw, p) => {
      const devices = BULK.map((id) => ({ id, password: SECRET, topic: `dev/${id}/evt/bulk` }));
      await request(p.load, { cmd: "connect", url: gw.url, devices }, "connected");
      // warm-up, then the measured run
      await request(
        p.load,
        { cmd: "run", devices: BULK, total: 2000, inflight: INFLIGHT, size: SIZE },
        "ran",
      );
      const m0 = await metrics(gw.apiPort);
      const cpu0 = cpuSeconds(gw.pid);
      const threads0 = threadCpuSeconds(gw.pid);
      const ran = await request(
        p.load,
        { cmd: "run", devices: BULK, total: eventsAt(delay), inflight: INFLIGHT, size: SIZE },
        "ran",
      );
      const m1 = await metrics(gw.apiPort);
      const cpuUsPerEvent = ((cpuSeconds(gw.pid) - cpu0) * 1e6) / ran.acked;
      const threads1 = threadCpuSeconds(gw.pid);
      // µs of CPU per event by the gateway's threads (main, libuv pool, V8's, the checkpointer's)
      const threadUsPerEvent = Object.fromEntries(
        Object.entries(threads1)
          .map(([k, v]) => [k, ((v - (threads0[k] ?? 0)) * 1e6) / ran.acked])
          .filter(([, v]) => v >= 0.5),
      );
      const perS = ran.acked / ((ran.last - ran.first) / 1000);
      await stopGateway(p.gw); // the trace is complete once strace exits
      return {
        durablePerS: perS,
        boundPerS: delay > 0 ? (DEVICES * INFLIGHT) / (delay / 1000) : Number.NaN,
        eventsPerCommit: (m1.events - m0.events) / (m1.commits - m0.commits),
        mainSyncsPerS:
          (mainThreadSyncs(gw, ran.first, ran.last) ?? Number.NaN) / ((ran.last - ran.first) / 1000),
        cpuUsPerEvent,
        threadUsPerEvent,
        peerCpuUsPerEvent: (ran.cpuS * 1e6) / ran.acked,
        fsyncMs: (1000 * (m1.syncS - m0.syncS)) / (m1.syncs - m0.syncs),
        errors: ran.errors,
      };
    },
    peer,
  );
}

/** One device at 200 events/s; /health every 20 ms from here. */
async function health(mode, delay) {
  return withSite("fsync-health", mode, delay, async (gw, p) => {
    await request(
      p.load,
      {
        cmd: "connect",
        url: gw.url,
        devices: [{ id: LIVE, password: SECRET, topic: `dev/${LIVE}/evt/live` }],
      },
      "connected",
    );
    p.load.send({ cmd: "live", id: LIVE, rate: 200, size: SIZE });
    await sleep(2000);
    const m0 = await metrics(gw.apiPort);
    const from = Date.now();
    const lat = [];
    const until = performance.now() + HEALTH_S * 1000;
    while (performance.now() < until) {
      const t0 = performance.now();
      await (await fetch(`http://127.0.0.1:${gw.apiPort}/health`)).text();
      const ms = performance.now() - t0;
      lat.push(ms);
      await sleep(Math.max(0, 20 - ms));
    }
    const m1 = await metrics(gw.apiPort);
    const to = Date.now();
    const sent = await request(p.load, { cmd: "stopLive" }, "liveStopped");
    await stopGateway(p.gw);
    return {
      healthP50Ms: quantile(lat, 0.5),
      healthP99Ms: quantile(lat, 0.99),
      healthMaxMs: Math.max(...lat),
      probes: lat.length,
      liveEventsPerCommit: (m1.events - m0.events) / (m1.commits - m0.commits),
      liveAcked: sent.acked,
      liveMainSyncsPerS: (mainThreadSyncs(gw, from, to) ?? Number.NaN) / ((to - from) / 1000),
    };
  });
}

/** The door bench in a child process (this file, `door` mode) under the same injection. */
function door(mode, delay) {
  const [cmd, args] = withFsyncDelay(delay, [
    fileURLToPath(import.meta.url),
    "door",
    mode,
    String(PICKUPS),
    String(DOOR_RATE),
  ]);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b) => {
      out += b;
    });
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      // a door bench that gave up (a kiosk step that never came) is a row without door figures,
      // reported, never a hung scenario
      if (code !== 0 || !line) {
        log(`  door bench, fsync +${delay} ms, ${mode}: gave up (exit ${code}); see its stderr above`);
        resolve({ p50: Number.NaN, p99: Number.NaN, max: Number.NaN, failed: true });
      } else resolve(JSON.parse(line));
    });
  });
}

const f = (x, d = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d })
    : "n/a";

export async function fsyncScenario() {
  template ??= provision();
  const rows = [];
  for (let r = 0; r < RUNS; r++) {
    for (const delay of DELAYS) {
      for (const mode of MODES) {
        const t0 = Date.now();
        const ds = [];
        for (const peer of PARTS.includes("durable") ? PEERS : [])
          ds.push({ peer, ...(await durable(mode, delay, peer)) });
        const h = PARTS.includes("health") ? await health(mode, delay) : {};
        const o = PARTS.includes("door") ? await door(mode, delay) : {};
        const rest = {
          ...h,
          doorP50Ms: o.p50,
          doorP99Ms: o.p99,
          doorMaxMs: o.max,
          doorFailures: o.failed ? "gave up" : o.failures,
        };
        // the /health and door parts are the first peer's row (they use no bulk peer)
        for (const [k, d] of (ds.length ? ds : [{}]).entries()) {
          rows.push({ run: r + 1, delay, mode, ...d, ...(k === 0 ? rest : {}) });
        }
        const durables = ds
          .map((d) => {
            const threads = Object.entries(d.threadUsPerEvent ?? {})
              .map(([k, v]) => `${k} ${f(v, 1)}`)
              .join(" ");
            return `${d.peer} ${f(d.durablePerS)}/s (${f(d.eventsPerCommit, 1)}/commit; CPU µs/event: ${threads})`;
          })
          .join(", ");
        log(
          `  fsync +${delay} ms, ${mode}: durable ${durables || "n/a"}, /health p99 ${f(h.healthP99Ms, 1)} ms, door p99 ${f(o.p99, 1)} ms (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
        );
      }
    }
  }
  return rows;
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One row per (delay, mode, peer): the median of the runs' figures, with the runs' range of durable events/s. */
export function fsyncMedians(rows) {
  const groups = new Map();
  for (const x of rows) {
    const key = `${x.delay}|${x.mode}|${x.peer ?? ""}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(x);
  }
  return [...groups.values()].map((xs) => {
    const out = { delay: xs[0].delay, mode: xs[0].mode, peer: xs[0].peer, runs: xs.length };
    for (const k of Object.keys(xs[0])) {
      if (typeof xs[0][k] === "number" && k !== "delay" && k !== "run") out[k] = median(xs.map((x) => x[k]));
    }
    const d = xs.map((x) => x.durablePerS).filter(Number.isFinite);
    out.durableRange = d.length > 1 ? [Math.min(...d), Math.max(...d)] : undefined;
    return out;
  });
}

export function fsyncTable(rows) {
  const head = [
    "fsync delay",
    "mode",
    "peer",
    "durable ev/s",
    "of the nominal bound",
    "of the bound at the measured fdatasync",
    "ev/commit",
    "fdatasync ms",
    "gateway CPU µs/event",
    "peer CPU µs/event",
    "/health p50",
    "p99",
    "max",
    "ev/commit @200/s",
    "main-thread fsyncs/s @200/s",
    "door p50",
    "door p99",
  ];
  const body = rows.map((x) => [
    `+${x.delay} ms`,
    x.mode,
    x.peer ?? "",
    f(x.durablePerS) + (x.durableRange ? ` [${f(x.durableRange[0])}–${f(x.durableRange[1])}]` : ""),
    Number.isFinite(x.boundPerS) ? `${f((100 * x.durablePerS) / x.boundPerS)} %` : "",
    Number.isFinite(x.fsyncMs) && x.fsyncMs > 0
      ? `${f((100 * x.durablePerS * x.fsyncMs) / (1000 * DEVICES * INFLIGHT))} %`
      : "",
    f(x.eventsPerCommit, 1),
    f(x.fsyncMs, 1),
    f(x.cpuUsPerEvent),
    f(x.peerCpuUsPerEvent),
    f(x.healthP50Ms, 1),
    f(x.healthP99Ms, 1),
    f(x.healthMaxMs, 1),
    f(x.liveEventsPerCommit, 1),
    f(x.liveMainSyncsPerS, 1),
    f(x.doorP50Ms, 1),
    f(x.doorP99Ms, 1),
  ]);
  const rule = head.map(() => "---");
  return [head, rule, ...body].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

const main = import.meta.url === `file://${process.argv[1]}`;
if (main && process.argv[2] === "door") {
  installCleanup();
  const d = await doorLatencyBench({
    pickups: Number(process.argv[4] ?? 48),
    loadRate: Number(process.argv[5] ?? 200),
    store: { fsync: process.argv[3] },
  });
  process.stdout.write(`${JSON.stringify(d)}\n`);
  process.exit(0);
} else if (main) {
  installCleanup();
  const rows = await fsyncScenario();
  process.stdout.write(`\n${fsyncTable(rows)}\n`);
  if (RUNS > 1) process.stdout.write(`\nMedians of ${RUNS} runs:\n\n${fsyncTable(fsyncMedians(rows))}\n`);
  const out = join(HERE, "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, "fsync.json"),
    `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  process.exit(0);
}
