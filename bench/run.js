// `npm run bench` (after `npm run build`): end-to-end figures of the gateway, of the Mosquitto
// bridge an operator would otherwise deploy, and of a backlog drain. Prints figures and ratios
// measured in this run; asserts nothing. Method and figures: docs/performance.md.
//
//   1. gateway   devices ─QoS 1─► gateway (child process, SQLite FULL) ─batches─► Mosquitto B ─► consumer
//   2. bridge    devices ─QoS 1─► Mosquitto A (persistence on) ─bridge QoS 1─► Mosquitto B ─► consumer
//   3. backlog   devices ─► gateway while B is down; then B up: drain rate, live events' latency
//   4. trickle   one device at 10 events/s for a minute: disk bytes written per event (SD-card wear)
//   (slow disks, injected fsync latency: bench/disk-latency.js, standalone, needs strace)
//
// Environment: BENCH_RUNS (3), BENCH_QUICK=1 (small counts), BENCH_DEVICES (4), BENCH_EVENTS
// (100000), BENCH_BACKLOG (200000), BENCH_INFLIGHT (100 per device), BENCH_WINDOW (64),
// BENCH_SCENARIOS (gateway,bridge,backlog,trickle,locker,trace (bench/trace.js); opt-in: cold-poll, cold (see bench/cold.js), vend, dex), BENCH_TRICKLE_S (60), BENCH_PROFILE=1 (--cpu-prof of the first gateway run,
// written to bench/results/profile/), BENCH_COMMIT_WINDOW_MS (the gateway's store.commitWindowMs; unset: its default), BENCH_FSYNC (store.fsync: background | inline),
// BENCH_GATEWAY_ROOT (another built checkout whose gateway is measured instead: an older tree as the peer).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { coldBench } from "./cold.js";
import { coldPollBench, coldRawLineBench } from "./cold-poll.js";
import { coldPeerBench } from "./cold-poll-peer.js";
import { dexParseBench } from "./dex.js";
import { doorLatencyBench, pollCycleBench, rawLineBench } from "./locker.js";
import { bridgeConf, mosquittoVersion, startMosquitto, upstreamConf } from "./mosquitto.js";
import {
  freePort,
  installCleanup,
  kill,
  meter,
  peakRss,
  removeTmpDir,
  request,
  rss,
  rssSampler,
  sleep,
  start,
  stop,
  tmpDir,
  waitForPort,
  waitMessage,
  worker,
} from "./procs.js";
import { traceBench, traceBenchDone } from "./trace.js";
import { vendAuthorizeBench } from "./vend.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
// BENCH_GATEWAY_ROOT: another built checkout whose gateway runs instead of this one (the same
// harness, devices, broker B and consumer: a tree of before a change as the peer, in the same run)
const GATEWAY_ROOT = process.env.BENCH_GATEWAY_ROOT ? resolve(process.env.BENCH_GATEWAY_ROOT) : ROOT;
const BIN = join(GATEWAY_ROOT, "bin", "quarterhour.js");
const RESULTS = join(HERE, "results");

const env = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const QUICK = process.env.BENCH_QUICK === "1";
const RUNS = env("BENCH_RUNS", 3);
const DEVICES = env("BENCH_DEVICES", 4);
const EVENTS = env("BENCH_EVENTS", QUICK ? 20_000 : 100_000);
const BACKLOG = env("BENCH_BACKLOG", QUICK ? 30_000 : 200_000);
const INFLIGHT = env("BENCH_INFLIGHT", 100);
const WINDOW = env("BENCH_WINDOW", 64);
const MAX_EVENTS = 100;
const SIZE = 200;
const LIVE_RATE = 50;
const TRICKLE_RATE = 10;
const TRICKLE_S = env("BENCH_TRICKLE_S", QUICK ? 15 : 60);
const STALL_MS = 30_000;
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "gateway,bridge,backlog,trickle,locker,trace").split(",");
const PROFILE = process.env.BENCH_PROFILE === "1";
// store.commitWindowMs for the gateway (its default, 200, when unset): 0 shows the cost without it
// store.fsync for the gateway (its default, background, when unset): inline is the path before issue 13
const FSYNC = process.env.BENCH_FSYNC;
const COMMIT_WINDOW_MS = process.env.BENCH_COMMIT_WINDOW_MS
  ? Number(process.env.BENCH_COMMIT_WINDOW_MS)
  : undefined;
// Extra Node flags for the gateway process (none by default, as `npm start` and the systemd unit).
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);

const SECRET = "bench-secret-0123456789";
const BULK_IDS = Array.from({ length: DEVICES }, (_, k) => `bench-${k}`);
const LIVE_ID = "bench-live";

// ---- helpers ---------------------------------------------------------------------------------

const perS = (n, fromMs, toMs) => n / ((toMs - fromMs) / 1000);
const MB = (bytes) => bytes / 1024 / 1024;
const log = (s) => process.stderr.write(`${s}\n`);

function gatewayConfig(dir, { devicePort, uplinkPort, apiPort = 0 }) {
  const file = join(dir, "gateway.yaml");
  writeFileSync(
    file,
    [
      "gateway: { id: bench-gw, site: bench }",
      `dataDir: ${join(dir, "data")}`,
      // a throughput bench: the per-device fairness limit (default 50/s, burst 500) lifted
      `deviceBroker: { host: 127.0.0.1, port: ${devicePort}, maxEventsPerSecond: 1000000, eventBurst: 10000000 }`,
      "uplink:",
      `  url: mqtt://127.0.0.1:${uplinkPort}`,
      `  batch: { maxEvents: ${MAX_EVENTS} }`,
      `  window: ${WINDOW}`,
      "  reconnect: { minMs: 100, maxMs: 250 }",
      `api: { host: 127.0.0.1, port: ${apiPort} }`,
      "log: { level: warn }",
      // only declared MQTT devices may hold a credential and connect
      "devices:",
      ...[...BULK_IDS, LIVE_ID].map((id) => `  - { id: ${id}, model: generic-mqtt }`),
      // store.synchronous: the default, FULL; store.commitWindowMs: the default unless BENCH_COMMIT_WINDOW_MS
      ...(COMMIT_WINDOW_MS === undefined && !FSYNC
        ? []
        : [
            `store: { ${[
              COMMIT_WINDOW_MS === undefined ? "" : `commitWindowMs: ${COMMIT_WINDOW_MS}`,
              FSYNC ? `fsync: ${FSYNC}` : "",
            ]
              .filter(Boolean)
              .join(", ")} }`,
          ]),
      "",
    ].join("\n"),
  );
  return file;
}

/** One data dir with the bench devices provisioned, copied into each run's gateway. */
function provisionTemplate() {
  const dir = tmpDir("template");
  const config = gatewayConfig(dir, { devicePort: 1883, uplinkPort: 1883 });
  for (const id of [...BULK_IDS, LIVE_ID]) {
    execFileSync(
      process.execPath,
      [BIN, "device", "add", id, "--model", "generic-mqtt", "--secret", SECRET, "--config", config],
      { cwd: GATEWAY_ROOT, stdio: "ignore" },
    );
  }
  return join(dir, "data");
}

let template;

async function startGateway(dir, uplinkPort, profile = false) {
  const devicePort = await freePort();
  const apiPort = await freePort();
  cpSync(template, join(dir, "data"), { recursive: true });
  const config = gatewayConfig(dir, { devicePort, uplinkPort, apiPort });
  const prof = profile ? ["--cpu-prof", `--cpu-prof-dir=${join(RESULTS, "profile")}`] : [];
  const child = start(
    "gateway",
    process.execPath,
    [...prof, ...NODE_FLAGS, BIN, "start", "--config", config],
    {
      cwd: GATEWAY_ROOT,
      logFile: join(dir, "gateway.log"),
    },
  );
  await waitForPort(devicePort, child);
  return { child, url: `mqtt://127.0.0.1:${devicePort}`, apiPort };
}

/** Group commits from the gateway's /metrics: how many, events per commit, mean commit time. */
async function commitStats(apiPort) {
  const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
  const num = (name) => Number(text.match(new RegExp(`^${name}(?:{[^}]*})? (\\S+)$`, "m"))?.[1]);
  const commits = num("qh_ingest_batch_size_count");
  return {
    commits,
    eventsPerCommit: num("qh_ingest_batch_size_sum") / commits,
    commitMs: (1000 * num("qh_ingest_commit_seconds_sum")) / commits,
  };
}

async function startConsumer(bPort, topics, expect) {
  const c = worker("consumer", join(HERE, "consumer.js"));
  await request(
    c,
    { cmd: "start", url: `mqtt://127.0.0.1:${bPort}`, topics, expect, stallMs: STALL_MS },
    "ready",
  );
  return c;
}

/** Until the consumer has seen the gateway's `status` online (or the bridge's notification). */
async function waitOnline(consumer, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while ((await request(consumer, { cmd: "report" }, "report")).onlineAt === 0) {
    if (Date.now() > until) throw new Error("upstream link not up (no status seen on B)");
    await sleep(50);
  }
}

async function startLoad(url, devices) {
  const load = worker("load", join(HERE, "load.js"));
  await request(load, { cmd: "connect", url, devices }, "connected");
  return load;
}

/** Devices first, then the gateway (or A), the consumer, and B last. */
const STOP_ORDER = ["load", "target", "consumer", "b"];

const deviceList = (ids, password, topic) => ids.map((id) => ({ id, password, topic: topic(id) }));

// ---- scenarios -------------------------------------------------------------------------------

/** Scenarios 1 and 2: `kind` = "gateway" or "bridge". */
async function endToEnd(kind, run) {
  const dir = tmpDir(kind);
  const p = {}; // started processes, stopped in the order of STOP_ORDER
  try {
    const bPort = await freePort();
    p.b = await startMosquitto("B", upstreamConf(bPort), dir, bPort);
    const b = p.b;
    let target;
    let apiPort;
    let url;
    let topics;
    let devices;
    if (kind === "gateway") {
      const gw = await startGateway(dir, bPort, PROFILE && run === 0);
      target = gw.child;
      apiPort = gw.apiPort;
      url = gw.url;
      topics = ["qh/v1/+/events", "qh/v1/+/status"];
      devices = deviceList(BULK_IDS, SECRET, (id) => `dev/${id}/evt/bulk`);
    } else {
      const aPort = await freePort();
      mkdirSync(join(dir, "persist"));
      target = await startMosquitto("A", bridgeConf(aPort, join(dir, "persist"), bPort), dir, aPort);
      url = `mqtt://127.0.0.1:${aPort}`;
      topics = ["dev/+/evt/+", "$SYS/broker/connection/+/state"];
      devices = deviceList(BULK_IDS, undefined, (id) => `dev/${id}/evt/bulk`);
    }
    p.target = target;
    const consumer = await startConsumer(bPort, topics, EVENTS);
    p.consumer = consumer;
    await waitOnline(consumer);
    const load = await startLoad(url, devices);
    p.load = load;

    const idleRss = rss(target.pid);
    const m = meter(target.pid);
    const mb = meter(b.pid);
    const consumerCpu0 = (await request(consumer, { cmd: "report" }, "report")).cpuS;
    const done = waitMessage(consumer, "done");
    const ran = await request(
      load,
      { cmd: "run", devices: BULK_IDS, total: EVENTS, inflight: INFLIGHT, size: SIZE },
      "ran",
    );
    const got = await done;
    const used = m.read();
    const wallS = (got.lastAt - ran.first) / 1000;
    const commits = apiPort ? await commitStats(apiPort) : {};
    return {
      complete: got.complete,
      events: got.bulk,
      dups: got.dups,
      eventsPerS: perS(got.bulk, ran.first, got.lastAt),
      acceptPerS: perS(ran.acked, ran.first, ran.last),
      p50Ms: got.p50,
      p99Ms: got.p99,
      idleRssMB: MB(idleRss),
      peakRssMB: MB(peakRss(target.pid)),
      writeBytesPerEvent: used.writeBytes / got.bulk,
      cpuPct: (100 * used.cpuS) / wallS,
      mainOnCpuPct: (100 * used.mainOnCpuS) / wallS,
      runWaitPct: (100 * used.runWaitS) / wallS,
      ...commits,
      loadCpuPct: (100 * ran.cpuS) / wallS,
      upstreamCpuPct: (100 * mb.read().cpuS) / wallS,
      consumerCpuPct: (100 * (got.cpuS - consumerCpu0)) / wallS,
      upstreamMessages: got.messages,
    };
  } finally {
    for (const k of STOP_ORDER) await stop(p[k]);
    removeTmpDir(dir);
  }
}

/** Scenario 3: accept a backlog with B down, then bring B up and drain it, with live events. */
async function backlog() {
  const dir = tmpDir("backlog");
  const p = {};
  try {
    const bPort = await freePort(); // nothing listens here yet
    const gw = await startGateway(dir, bPort);
    const pid = gw.child.pid;
    p.target = gw.child;
    const devices = deviceList(
      [...BULK_IDS, LIVE_ID],
      SECRET,
      (id) => `dev/${id}/evt/${id === LIVE_ID ? "live" : "bulk"}`,
    );
    const load = await startLoad(gw.url, devices);
    p.load = load;

    const rssPeak = rssSampler(pid);
    const m = meter(pid);
    const ran = await request(
      load,
      { cmd: "run", devices: BULK_IDS, total: BACKLOG, inflight: INFLIGHT, size: SIZE },
      "ran",
    );
    const acceptWrites = m.read().writeBytes;
    const acceptRss = rssPeak.peak();
    rssPeak.reset();

    // Freeze the gateway while B starts and the consumer subscribes, so that the gateway's
    // reconnect cannot win the race against the consumer's subscription.
    kill(pid, "SIGSTOP");
    let consumer;
    try {
      p.b = await startMosquitto("B", upstreamConf(bPort), dir, bPort);
      consumer = await startConsumer(bPort, ["qh/v1/+/events", "qh/v1/+/status"], BACKLOG);
      p.consumer = consumer;
    } finally {
      kill(pid, "SIGCONT");
    }
    const done = waitMessage(consumer, "done");
    load.send({ cmd: "live", id: LIVE_ID, rate: LIVE_RATE, size: SIZE });
    const got = await done;
    await request(load, { cmd: "stopLive" }, "liveStopped");
    await sleep(1000); // let the last live events arrive
    const rep = await request(consumer, { cmd: "report" }, "report");
    const drainRss = rssPeak.peak();
    rssPeak.stop();
    return {
      complete: got.complete,
      events: got.bulk,
      acceptPerS: perS(ran.acked, ran.first, ran.last),
      acceptWriteBytesPerEvent: acceptWrites / ran.acked,
      drainPerS: perS(got.bulk, got.onlineAt, got.lastAt),
      reconnectMs: got.onlineAt - ran.last,
      liveN: rep.live.n,
      liveP50Ms: rep.live.p50,
      liveP99Ms: rep.live.p99,
      peakRssAcceptMB: MB(acceptRss),
      peakRssDrainMB: MB(drainRss),
      peakRssMB: MB(peakRss(pid)),
    };
  } finally {
    for (const k of STOP_ORDER) await stop(p[k]);
    removeTmpDir(dir);
  }
}

// ---- trickle: SD-card wear at a low steady rate ---------------------------------------------

/**
 * Scenario 4: one device publishes TRICKLE_RATE events a second for TRICKLE_S seconds, the
 * platform listening: bytes the gateway process caused to be written (/proc/pid/io write_bytes)
 * per event, and the growth of the data files. Every event is its own group commit here (they
 * arrive 100 ms apart), so this is the per-commit cost an SD card pays.
 */
async function trickle() {
  const dir = tmpDir("trickle");
  const p = {};
  try {
    const bPort = await freePort();
    p.b = await startMosquitto("B", upstreamConf(bPort), dir, bPort);
    const gw = await startGateway(dir, bPort);
    p.target = gw.child;
    const consumer = await startConsumer(bPort, ["qh/v1/+/events", "qh/v1/+/status"], 1e12);
    p.consumer = consumer;
    await waitOnline(consumer);
    const load = await startLoad(
      gw.url,
      deviceList([LIVE_ID], SECRET, (id) => `dev/${id}/evt/live`),
    );
    p.load = load;
    await sleep(1000); // start-up writes settle
    const m = meter(gw.child.pid);
    const files0 = dataFileBytes(join(dir, "data"));
    load.send({ cmd: "live", id: LIVE_ID, rate: TRICKLE_RATE, size: SIZE });
    await sleep(TRICKLE_S * 1000);
    const sent = await request(load, { cmd: "stopLive" }, "liveStopped");
    await sleep(2000); // the last PUBACKs upstream and their delivery marks
    const used = m.read();
    const rep = await request(consumer, { cmd: "report" }, "report");
    return {
      complete: rep.live.total >= sent.acked,
      events: sent.acked,
      writeBytesPerEvent: used.writeBytes / sent.acked,
      pagesPerEvent: used.writeBytes / sent.acked / 4096,
      payloadMultiple: used.writeBytes / sent.acked / SIZE,
      fileGrowthPerEvent: (dataFileBytes(join(dir, "data")) - files0) / sent.acked,
      cpuPct: (100 * used.cpuS) / (TRICKLE_S + 2),
      liveP50Ms: rep.live.p50,
    };
  } finally {
    for (const k of STOP_ORDER) await stop(p[k]);
    removeTmpDir(dir);
  }
}

/** Bytes of the database and its WAL. */
function dataFileBytes(dataDir) {
  let n = 0;
  for (const f of ["quarterhour.db", "quarterhour.db-wal"]) {
    try {
      n += statSync(join(dataDir, f)).size;
    } catch {
      // absent
    }
  }
  return n;
}

// ---- locker: poll cycle against the wire floor, door-open latency under load ----------------

async function lockerScenario() {
  const poll = await pollCycleBench({ cycles: QUICK ? 6 : 12 });
  const raw = await rawLineBench({ cycles: QUICK ? 6 : 12 });
  const door = await doorLatencyBench({ pickups: QUICK ? 24 : 72 });
  const flood = await doorLatencyBench({ pickups: QUICK ? 24 : 72, flood: 100 });
  return {
    complete: true,
    boards: poll.boards,
    floorMs: poll.floorMs,
    pollCycleMs: poll.cycleMs,
    rawLineCycleMs: raw.cycleMs,
    overVsWirePct: (poll.cycleMs / poll.floorMs - 1) * 100,
    overVsRawLinePct: (poll.cycleMs / raw.cycleMs - 1) * 100,
    doorP50Ms: door.p50,
    doorP99Ms: door.p99,
    doorN: door.pickups,
    doorFloodP50Ms: flood.p50,
    doorFloodP99Ms: flood.p99,
  };
}

// ---- cold-poll (opt-in): 8 Modbus controllers at 9600 baud against the wire floor -------------

async function coldPollScenario() {
  const poll = await coldPollBench({ cycles: QUICK ? 8 : 15 });
  const raw = await coldRawLineBench({ cycles: QUICK ? 8 : 15 });
  const peer = await coldPeerBench({ cycles: QUICK ? 8 : 15 });
  return {
    peerTurnMs: peer.turnMedianMs,
    peerEstimatedRatio: peer.estimatedRatio,
    complete: true,
    controllers: poll.controllers,
    floorMs: poll.floorMs,
    coldCycleMs: poll.cycleMs,
    rawLineCycleMs: raw.cycleMs,
    ratio: poll.ratio,
    overVsRawLinePct: (poll.cycleMs / raw.cycleMs - 1) * 100,
    notOk: poll.bad,
  };
}

// ---- vend (opt-in): the gateway's share of a select-first authorisation (bench/vend.js) -------

async function vendScenario() {
  const vends = QUICK ? 60 : 200;
  const full = await vendAuthorizeBench({ vends, synchronous: "FULL" });
  const inline = await vendAuthorizeBench({ vends, synchronous: "FULL", fsync: "inline" });
  const normal = await vendAuthorizeBench({ vends, synchronous: "NORMAL" });
  return {
    complete: true,
    vends,
    inlineInP50Ms: inline.inP50Ms,
    inlineOutP50Ms: inline.outP50Ms,
    inlineShareP50Ms: inline.shareP50Ms,
    inlineShareP99Ms: inline.shareP99Ms,
    fullHopP99Ms: full.hopP99Ms,
    fullInP50Ms: full.inP50Ms,
    fullOutP50Ms: full.outP50Ms,
    fullShareP50Ms: full.shareP50Ms,
    fullShareP99Ms: full.shareP99Ms,
    normalInP50Ms: normal.inP50Ms,
    normalOutP50Ms: normal.outP50Ms,
    normalShareP50Ms: normal.shareP50Ms,
    normalShareP99Ms: normal.shareP99Ms,
  };
}

// ---- report ----------------------------------------------------------------------------------

function summary(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return { median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, min: v[0], max: v[v.length - 1] };
}

function fmt(x, digits) {
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(s, digits = 0) {
  if (!s) return "n/a";
  if (RUNS === 1) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} [${fmt(s.min, digits)}–${fmt(s.max, digits)}]`;
}

function summarise(runs) {
  const out = {};
  for (const key of Object.keys(runs[0] ?? {})) {
    if (typeof runs[0][key] === "number") out[key] = summary(runs.map((r) => r[key]));
  }
  return out;
}

function table(rows) {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) =>
      r
        .map((x, c) => String(x).padEnd(w[c]))
        .join("   ")
        .trimEnd(),
    )
    .join("\n");
}

function report(results, machine) {
  const lines = [];
  lines.push(
    `quarterhour bench: ${machine.cores} cores, node ${machine.node}, ${machine.mosquitto}, load average ${machine.loadavg.map((x) => x.toFixed(2)).join(" ")} at the start`,
    `${RUNS} run(s) per scenario, median [min–max]; ${DEVICES} device clients, ${SIZE}-byte QoS 1 events, ${INFLIGHT} in flight each`,
    `gateway: synchronous=FULL, uplink maxEvents ${MAX_EVENTS}, window ${WINDOW}; bridge: Mosquitto A (persistence on) → B at QoS 1`,
    "",
  );
  const g = results.gateway && summarise(results.gateway);
  const b = results.bridge && summarise(results.bridge);
  const ratio = (k) => (g?.[k] && b?.[k] ? fmt(g[k].median / b[k].median, 2) : "n/a");
  if (g || b) {
    lines.push(`End to end, ${fmt(EVENTS, 0)} events (first publish → last arrival on B)`);
    lines.push(
      table([
        ["", "gateway", "Mosquitto bridge", "gateway/bridge"],
        ["events/s", cell(g?.eventsPerS), cell(b?.eventsPerS), ratio("eventsPerS")],
        ["latency p50, ms", cell(g?.p50Ms), cell(b?.p50Ms), ratio("p50Ms")],
        ["latency p99, ms", cell(g?.p99Ms), cell(b?.p99Ms), ratio("p99Ms")],
        ["accepted (PUBACKed) events/s", cell(g?.acceptPerS), cell(b?.acceptPerS), ratio("acceptPerS")],
        ["RSS before the load, MB (gateway | A)", cell(g?.idleRssMB, 1), cell(b?.idleRssMB, 1), ""],
        ["peak RSS, MB (gateway | broker A)", cell(g?.peakRssMB, 1), cell(b?.peakRssMB, 1), ""],
        ["disk write bytes/event", cell(g?.writeBytesPerEvent), cell(b?.writeBytesPerEvent), ""],
        ["CPU, % of one core (gateway | A)", cell(g?.cpuPct), cell(b?.cpuPct), ""],
        ["main thread on a CPU, % of the time", cell(g?.mainOnCpuPct), cell(b?.mainOnCpuPct), ""],
        ["main thread waiting for a CPU, %", cell(g?.runWaitPct), cell(b?.runWaitPct), ""],
        ["events per group commit (mean)", cell(g?.eventsPerCommit, 1), "", ""],
        ["group commit, ms (mean)", cell(g?.commitMs, 2), "", ""],
        ["CPU, % of one core (load generator)", cell(g?.loadCpuPct), cell(b?.loadCpuPct), ""],
        ["CPU, % of one core (broker B)", cell(g?.upstreamCpuPct), cell(b?.upstreamCpuPct), ""],
        ["CPU, % of one core (consumer)", cell(g?.consumerCpuPct), cell(b?.consumerCpuPct), ""],
        ["upstream messages", cell(g?.upstreamMessages), cell(b?.upstreamMessages), ""],
      ]),
    );
    lines.push("");
  }
  const k = results.backlog && summarise(results.backlog);
  if (k) {
    lines.push(
      `Backlog, ${fmt(BACKLOG, 0)} events accepted with B down, then drained (live events at ${LIVE_RATE}/s meanwhile)`,
    );
    lines.push(
      table([
        ["accept, durable events/s", cell(k.acceptPerS)],
        ["disk write bytes/event while accepting", cell(k.acceptWriteBytesPerEvent)],
        ["drain, events/s (gateway's reconnect → last backlog arrival)", cell(k.drainPerS)],
        ["live events during the drain: p50 latency, ms", cell(k.liveP50Ms)],
        ["live events during the drain: p99 latency, ms", cell(k.liveP99Ms)],
        ["live events during the drain: count", cell(k.liveN)],
        ["peak RSS while accepting, MB", cell(k.peakRssAcceptMB, 1)],
        ["peak RSS while draining, MB", cell(k.peakRssDrainMB, 1)],
        ["peak RSS over the scenario (VmHWM), MB", cell(k.peakRssMB, 1)],
      ]),
    );
    lines.push("");
  }
  const t = results.trickle && summarise(results.trickle);
  if (t) {
    lines.push(`Trickle, ${TRICKLE_RATE} events/s for ${TRICKLE_S} s (one device, the platform listening)`);
    lines.push(
      table([
        ["disk write bytes/event (write_bytes)", cell(t.writeBytesPerEvent)],
        ["  in 4 KiB pages/event", cell(t.pagesPerEvent, 2)],
        [`  as a multiple of the ${SIZE}-byte payload`, cell(t.payloadMultiple, 1)],
        ["data file growth/event (db + WAL), bytes", cell(t.fileGrowthPerEvent)],
        ["CPU, % of one core (gateway)", cell(t.cpuPct, 1)],
        ["latency p50, ms", cell(t.liveP50Ms)],
      ]),
    );
    lines.push("");
  }
  const L = results.locker && summarise(results.locker);
  if (L) {
    lines.push(
      "Locker: one RS-485 line of 32 lockboard-xor boards at 9600 baud (simulator paced at the baud rate)",
    );
    lines.push(
      table([
        ["wire floor per poll cycle, ms (32 × 12 bytes × 1.04 ms)", cell(L.floorMs, 1)],
        ["poll cycle, bus master, ms", cell(L.pollCycleMs, 1)],
        ["poll cycle, bare simulated line (no bus master), ms", cell(L.rawLineCycleMs, 1)],
        ["overhead above the wire floor, %", cell(L.overVsWirePct, 1)],
        ["overhead above the bare simulated line (the bus master's own), %", cell(L.overVsRawLinePct, 1)],
        ["door open: code accepted → open frame written, p50 ms", cell(L.doorP50Ms, 1)],
        ["door open: code accepted → open frame written, p99 ms", cell(L.doorP99Ms, 1)],
        ["door open, 100/s wrong-password CONNECT flood as well, p50 ms", cell(L.doorFloodP50Ms, 1)],
        ["door open, 100/s wrong-password CONNECT flood as well, p99 ms", cell(L.doorFloodP99Ms, 1)],
        ["pickups measured (3 other lines of 32 boards polling, 2,000 events/s MQTT)", cell(L.doorN)],
      ]),
    );
    lines.push("");
  }
  const C = results["cold-poll"] && summarise(results["cold-poll"]);
  if (C) {
    lines.push(
      "Cold chain: one Modbus RTU line of 8 controllers at 9600 baud 8N1 (in-process line paced at the baud rate)",
    );
    lines.push(
      table([
        [
          "wire floor per poll cycle, ms (8 × (36 bytes × 1.04 ms + 2 × t3.5 of 3.65 ms))",
          cell(C.floorMs, 1),
        ],
        ["poll cycle, driver + bus master, ms", cell(C.coldCycleMs, 1)],
        ["poll cycle, bare simulated line (no bus master), ms", cell(C.rawLineCycleMs, 1)],
        ["cycle / wire floor (goal < 1.10)", cell(C.ratio, 3)],
        [
          "overhead above the bare simulated line (driver and bus master's own), %",
          cell(C.overVsRawLinePct, 1),
        ],
        [
          "vs modbus-serial ServerSerial over socat: reply in → next request out, ms (t3.5 = 3.65)",
          cell(C.peerTurnMs, 2),
        ],
        [
          "the gateway's own share on a 9600-baud line, estimated × floor (goal < 1.10)",
          cell(C.peerEstimatedRatio, 3),
        ],
        ["readings not ok", cell(C.notOk)],
      ]),
    );
    lines.push("");
  }
  const CR = results.cold && summarise(results.cold);
  if (CR) {
    lines.push(
      `Cold chain: the temperature record of ${results.cold[0].zones} zones × ${results.cold[0].days} days at 30 s (${fmt(results.cold[0].readings, 0)} readings), and a gateway with 8 zones`,
    );
    lines.push(
      table([
        ["bytes on disk per reading (whole SQLite file; goal ≤ 2)", cell(CR.bytesPerReading, 2)],
        ["  of which the record's tables and index (dbstat)", cell(CR.tableBytesPerReading, 2)],
        ["readings appended per second (generation)", cell(CR.appendPerS)],
        [
          `export of one zone (${fmt(results.cold[0].exportReadings, 0)} readings) as CSV, s (goal < 3)`,
          cell(CR.exportS, 2),
        ],
        ["gateway RSS without the cold chain, MB", cell(CR.rssWithoutMB, 1)],
        ["gateway RSS with 8 zones polled every 1 s, MB", cell(CR.rssWithMB, 1)],
        ["RSS added by the cold chain, MB", cell(CR.rssAddedMB, 1)],
      ]),
    );
    lines.push("");
  }
  const TR = results.trace && summarise(results.trace);
  if (TR) {
    lines.push(
      `trace.lot over a generated year of the demo site's records (bench/trace.js): the median of each run's median`,
    );
    lines.push(
      table([
        ["trace.lot median, ms (goal < 1000)", cell(TR.traceMedianMs, 1)],
        ["trace.lot max, ms", cell(TR.traceMaxMs, 1)],
        ["parcels holding the lot", cell(TR.lotParcels, 0)],
        ["distribution bundles holding the lot", cell(TR.lotBundles, 0)],
        ["cold readings of their stays", cell(TR.lotColdReadings, 0)],
      ]),
    );
  }
  const D = results.dex && summarise(results.dex);
  if (D) {
    lines.push(
      `DEX audit parse: ${D.segments?.median ?? 400}-segment sample, one parse at a time after a warm-up`,
    );
    lines.push(
      table([
        ["parse p50, µs", cell(D.parseP50Us)],
        ["parse p99, µs", cell(D.parseP99Us)],
        ["parse mean, µs", cell(D.parseMeanUs)],
        ["per segment (mean), µs", cell(D.perSegmentUs, 2)],
      ]),
    );
    lines.push("");
  }
  const V = results.vend && summarise(results.vend);
  if (V) {
    lines.push(
      "Vending, select first: the gateway's share (request line in → vend.authorize at the platform, + answer in → approve line out)",
    );
    lines.push(
      table([
        [
          "store.synchronous FULL: in p50, ms (a request: nothing stored on its path)",
          cell(V.fullInP50Ms, 2),
        ],
        [
          "store.synchronous FULL: out p50, ms (no fsync, no ledger row before the line)",
          cell(V.fullOutP50Ms, 2),
        ],
        [
          "store.synchronous FULL: share p50 / p99, ms",
          `${cell(V.fullShareP50Ms, 2)} / ${cell(V.fullShareP99Ms, 2)}`,
        ],
        [
          "  (not the gateway's: the broker hop platform → gateway, p99, ms: the machine's noise)",
          cell(V.fullHopP99Ms, 2),
        ],
        [
          "store.fsync inline: in / out p50, ms",
          `${cell(V.inlineInP50Ms, 2)} / ${cell(V.inlineOutP50Ms, 2)}`,
        ],
        [
          "store.fsync inline: share p50 / p99, ms",
          `${cell(V.inlineShareP50Ms, 2)} / ${cell(V.inlineShareP99Ms, 2)}`,
        ],
        ["store.synchronous NORMAL: in p50, ms", cell(V.normalInP50Ms, 2)],
        ["store.synchronous NORMAL: out p50, ms", cell(V.normalOutP50Ms, 2)],
        [
          "store.synchronous NORMAL: share p50 / p99, ms",
          `${cell(V.normalShareP50Ms, 2)} / ${cell(V.normalShareP99Ms, 2)}`,
        ],
        ["vends measured per run", cell(V.vends)],
      ]),
    );
    lines.push("");
  }
  const incomplete = Object.entries(results).flatMap(([s, runs]) =>
    runs
      .filter((r) => !r.complete)
      .map((r) => `${s}: ${r.events} events arrived, then nothing for ${STALL_MS / 1000} s`),
  );
  if (incomplete.length) lines.push("INCOMPLETE RUNS (figures above include them):", ...incomplete, "");
  return {
    text: lines.join("\n"),
    summary: {
      gateway: g,
      bridge: b,
      backlog: k,
      trickle: t,
      locker: L,
      cold: C,
      coldRecord: CR,
      vend: V,
      dex: D,
    },
  };
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  installCleanup();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    mosquitto: mosquittoVersion(),
    loadavg: loadavg(),
  };
  log(`bench: ${RUNS} run(s), ${QUICK ? "quick" : "full"} counts; scenarios ${SCENARIOS.join(", ")}`);
  // the dex scenario needs no gateway: skip provisioning when it runs alone
  if (SCENARIOS.some((n) => n !== "dex" && n !== "trace")) template = provisionTemplate();
  const results = {};
  const scenarios = {
    gateway: (r) => endToEnd("gateway", r),
    bridge: (r) => endToEnd("bridge", r),
    backlog: () => backlog(),
    trickle: () => trickle(),
    locker: () => lockerScenario(),
    cold: () => coldBench(),
    "cold-poll": () => coldPollScenario(),
    dex: () => dexParseBench(), // opt-in: DEX audit parse time of the 400-segment sample
    trace: () => traceBench(), // trace.lot over a generated year of the demo site's records
    vend: () => vendScenario(),
  };
  // Interleaved (gateway, bridge, backlog, gateway, …) so that a noisy neighbour hits all alike.
  for (let r = 0; r < RUNS; r++) {
    for (const name of SCENARIOS) {
      const t0 = Date.now();
      const res = await scenarios[name](r);
      results[name] ??= [];
      results[name].push(res);
      const brief = res.traceMedianMs
        ? `trace.lot median ${fmt(res.traceMedianMs, 1)} ms (goal < ${res.goalMs} ms), max ${fmt(res.traceMaxMs, 1)} ms; lot in ${res.lotParcels} parcels and ${res.lotBundles} bundles, ${res.lotColdReadings} readings`
        : res.parseP50Us
          ? `DEX parse p50 ${fmt(res.parseP50Us, 0)} µs, p99 ${fmt(res.parseP99Us, 0)} µs`
          : res.bytesPerReading
            ? `record ${fmt(res.bytesPerReading, 2)} bytes/reading, zone-year CSV export ${fmt(res.exportS, 2)} s, RSS added ${fmt(res.rssAddedMB, 1)} MB`
            : res.pagesPerEvent
              ? `${fmt(res.writeBytesPerEvent, 0)} bytes written/event (${fmt(res.pagesPerEvent, 2)} pages)`
              : res.fullShareP50Ms
                ? `share p50 ${fmt(res.fullShareP50Ms, 2)} ms (FULL), ${fmt(res.normalShareP50Ms, 2)} ms (NORMAL)`
                : res.coldCycleMs
                  ? `cold poll cycle ${fmt(res.coldCycleMs, 1)} ms = ${fmt(res.ratio, 3)} × the wire floor (${fmt(res.floorMs, 1)})`
                  : res.pollCycleMs
                    ? `poll cycle ${fmt(res.pollCycleMs, 1)} ms (floor ${res.floorMs}), door p99 ${fmt(res.doorP99Ms, 1)} ms`
                    : res.eventsPerS
                      ? `${fmt(res.eventsPerS, 0)} events/s, p99 ${res.p99Ms} ms`
                      : `accept ${fmt(res.acceptPerS, 0)}/s, drain ${fmt(res.drainPerS, 0)}/s, live p99 ${res.liveP99Ms} ms`;
      log(
        `  run ${r + 1}/${RUNS} ${name}: ${brief}${res.complete ? "" : " (INCOMPLETE)"} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
  }
  traceBenchDone();
  const { text, summary: s } = report(results, machine);
  process.stdout.write(`\n${text}\n`);
  mkdirSync(RESULTS, { recursive: true });
  const params = {
    runs: RUNS,
    quick: QUICK,
    devices: DEVICES,
    events: EVENTS,
    backlog: BACKLOG,
    inflight: INFLIGHT,
    size: SIZE,
    window: WINDOW,
    maxEvents: MAX_EVENTS,
    liveRate: LIVE_RATE,
  };
  writeFileSync(
    join(RESULTS, "latest.json"),
    `${JSON.stringify({ at: new Date().toISOString(), machine, params, summary: s, runs: results }, null, 2)}\n`,
  );
  log(`results: ${join(RESULTS, "latest.json")}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
