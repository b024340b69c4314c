// Locker benchmarks (part of `npm run bench`, scenario "locker"; alone: `node bench/locker.js`).
//
//   poll   one RS-485 line of 32 lockboard-xor boards, the in-process link pacing bytes at 9600 baud
//          (10 bits per byte: 1.04 ms), polled back to back: median poll-cycle time against the
//          physical floor (32 × (5-byte query-all + 7-byte reply) of wire time = 400 ms).
//   door   a whole gateway in this process (demo-bank-24 plus three more simulated lines of 32
//          boards polled every 10 ms, and an MQTT device flooding events from a child process):
//          residents' pickups; latency from the pickup request (code accepted) to the open frame
//          arriving at the simulated board, p50/p99.
// Prints figures; asserts nothing.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { Registry } from "prom-client";

const DIST = new URL("../dist/", import.meta.url);
const imp = (p) => import(new URL(p, DIST).href);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : Number.NaN;
};
const median = (xs) => quantile(xs, 0.5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** steps of the door bench that may fail (each waits at most 15 s) before the bench gives up */
const MAX_FAILURES = 5;

export async function pollCycleBench({ boards = 32, baud = 9600, cycles = 12 } = {}) {
  const { BusMaster } = await imp("southbound/serial/bus-master.js");
  const { SerialLink } = await imp("southbound/serial/link.js");
  const { createInProcessPair } = await imp("southbound/serial/in-process.js");
  const { createLockboardSim } = await imp("sim/lockboard-xor.js");
  const { lockboardXorAdapter } = await imp("drivers/lockboard-xor-adapter.js");
  const log = pino({ level: "silent" });
  const [mine, theirs] = createInProcessPair({ paceBaud: baud });
  const addresses = Array.from({ length: boards }, (_, i) => i + 1);
  const sim = createLockboardSim({ boards: addresses, locksPerBoard: 24 });
  sim.attach(theirs);
  const adapter = lockboardXorAdapter();
  const link = new SerialLink({ id: "bench", factory: () => mine, log });
  const bus = new BusMaster({
    id: "bench",
    link,
    decoder: adapter.createDecoder(),
    describe: adapter.describe,
    isUnsolicited: adapter.isUnsolicited,
    log,
    registry: new Registry(),
    defaults: { timeoutMs: 200, retries: 0 },
    pollCycleMs: 0,
  });
  const starts = [];
  sim.on("rx", () => {});
  for (const a of addresses) {
    bus.addPoller({
      target: String(a),
      run: async () => {
        if (a === 1) starts.push(performance.now());
        const ex = adapter.poll(a);
        await bus.request({
          target: String(a),
          bytes: ex.bytes,
          message: ex.message,
          match: ex.match,
          priority: "poll",
        });
      },
    });
  }
  bus.start();
  while (starts.length < cycles + 2) await sleep(50);
  await bus.stop();
  sim.stop();
  const periods = starts.slice(2).map((t, i) => t - starts[i + 1]);
  const floorMs = (boards * (5 + 7) * 10 * 1000) / baud;
  const cycleMs = median(periods);
  return { boards, baud, cycles: periods.length, floorMs, cycleMs, overhead: cycleMs / floorMs - 1 };
}

/**
 * The same line with no bus master: write a query, wait for the 7 reply bytes, write the next.
 * What the simulated line itself costs above the wire time (timer wake-ups), to tell the bus
 * master's overhead from the simulator's.
 */
export async function rawLineBench({ boards = 32, baud = 9600, cycles = 12 } = {}) {
  const { createInProcessPair } = await imp("southbound/serial/in-process.js");
  const { createLockboardSim } = await imp("sim/lockboard-xor.js");
  const { lockboardXorAdapter } = await imp("drivers/lockboard-xor-adapter.js");
  const [mine, theirs] = createInProcessPair({ paceBaud: baud });
  const addresses = Array.from({ length: boards }, (_, i) => i + 1);
  const sim = createLockboardSim({ boards: addresses, locksPerBoard: 24 });
  sim.attach(theirs);
  const adapter = lockboardXorAdapter();
  let got = 0;
  let wake = () => {};
  mine.on("data", (b) => {
    got += b.length;
    if (got >= 7) wake();
  });
  const starts = [];
  for (let c = 0; c < cycles + 2; c++) {
    starts.push(performance.now());
    for (const a of addresses) {
      got = 0;
      const replied = new Promise((r) => {
        wake = r;
      });
      await mine.write(adapter.poll(a).bytes);
      await replied;
    }
  }
  sim.stop();
  const periods = starts.slice(2).map((t, i) => t - starts[i + 1]);
  return { cycleMs: median(periods) };
}

/**
 * Door-open latency with a whole gateway in this process. `flood` > 0 adds a child process sending
 * that many CONNECTs per second with a wrong password (username and client id of a declared,
 * provisioned device) to the device broker, from the start of the pickups to the end.
 */
export async function doorLatencyBench({
  pickups = 72,
  loadRate = 2000,
  flood = 0,
  otherLines = 3,
  store = {},
} = {}) {
  const { validateConfig } = await imp("config/load.js");
  const { startGateway } = await imp("gateway.js");
  const { lockerExtension } = await imp("extensions/locker.js");
  const { loadModels } = await imp("config/models.js");
  const dir = mkdtempSync(join(tmpdir(), "qh-bench-locker-"));
  const others = [1, 2, 3].slice(0, otherLines).map((n) => ({
    id: `bus-${n}`,
    path: `sim://bus-${n}`,
    protocol: "lockboard-xor",
    pollIntervalMs: 10,
    devices: Array.from({ length: 32 }, (_, i) => ({
      id: `l${n}-${i + 1}`,
      model: "xor-board-24",
      address: i + 1,
    })),
  }));
  const config = validateConfig({
    gateway: { id: "gw-bench", site: "bench" },
    dataDir: dir,
    simulate: true,
    // the flooding device measures load, not the fairness limit (default 50/s, burst 500): lifted
    deviceBroker: { host: "127.0.0.1", port: 0, maxEventsPerSecond: 1_000_000, eventBurst: 10_000_000 },
    uplink: { url: "embedded", embeddedPort: 0 },
    api: { host: "127.0.0.1", port: 0 },
    store, // e.g. { fsync: "inline" } (bench/disk-latency.js)
    buses: [
      {
        id: "bus-a",
        path: "sim://bus-a",
        protocol: "lockboard-xor",
        devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
      },
      ...others,
    ],
    // the kiosk API knows only declared terminals: the courier's and the resident's, every bank
    locker: {
      terminals: ["kiosk-b", "kiosk-r"].map((id) => ({
        id,
        banks: ["locker-a", ...others.flatMap((b) => b.devices.map((d) => d.id))],
      })),
    },
    devices: [
      { id: "load-1", model: "generic-mqtt" },
      { id: "victim-1", model: "generic-mqtt" },
    ],
  });
  const models = loadModels();
  const sims = new Map();
  const gw = await startGateway({
    config,
    log: pino({ level: "silent" }),
    extensions: [lockerExtension(models, { onSimulator: (id, s, line) => sims.set(id, { sim: s, line }) })],
  });
  const inject = async (method, url, payload) => {
    const r = await gw.api.inject({ method, url: `/api/v1${url}`, payload });
    if (r.statusCode >= 400) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.body ? r.json() : {};
  };
  // every wait gives up (a step that never comes: a jammed door, a lost frame, a refused kiosk
  // call) instead of hanging the bench: the caller counts the failure and goes on
  const until = async (f, what, ms = 15_000) => {
    const end = performance.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (performance.now() > end) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
      await sleep(5);
    }
  };
  let failures = 0;
  const failed = (err) => {
    failures++;
    if (failures > MAX_FAILURES)
      throw new Error(`door bench: ${failures} failed steps, the last: ${err.message}`);
  };
  // the board that will receive an open frame, tapped at the simulator: the moment the frame arrives
  // tap the gateway's end of every line: the moment an open frame (0x8A, lock ≥ 1) is written
  let lastOpenAt = 0;
  for (const { line } of sims.values()) {
    const write = line.write.bind(line);
    line.write = (data) => {
      if (data[0] === 0x8a && data[2] !== 0) lastOpenAt = performance.now();
      return write(data);
    };
  }

  // load: an MQTT device flooding QoS 1 events from a child process
  await gw.credentials.add("load-1", "generic-mqtt", "load-secret-123");
  const child = fork(
    fileURLToPath(new URL("./locker-load.js", import.meta.url)),
    [String(gw.deviceBrokerPort), String(loadRate)],
    {
      stdio: "ignore",
    },
  );
  await gw.credentials.add("victim-1", "generic-mqtt", "victim-secret-unguessed");
  const flooder =
    flood > 0
      ? fork(
          fileURLToPath(new URL("./locker-flood.js", import.meta.url)),
          [String(gw.deviceBrokerPort), String(flood), "victim-1"],
          { stdio: "ignore" },
        )
      : undefined;
  const lat = [];
  try {
    await sleep(500);
    let round = 0;
    while (lat.length < pickups) {
      round++;
      // deposit a dozen parcels (wherever the kiosk puts them), then collect them
      const codes = [];
      // rows only past this seq are searched for the parcel's event below: a scan of every event's
      // json (2,000 more a second from the load) made the set-up itself grow slower by the minute
      const lastSeq = gw.db.prepare("SELECT coalesce(max(seq), 0) FROM events").pluck();
      while (codes.length < 12) {
        const t = "kiosk-b";
        const from = lastSeq.get();
        const barcode = `B${round}-${codes.length}-${failures}`;
        let s;
        try {
          await inject("POST", `/kiosk/${t}/deposit`, { courierCode: "24681357" });
          await inject("POST", `/kiosk/${t}/deposit/barcode`, { barcode });
        } catch (err) {
          await inject("DELETE", `/kiosk/${t}/deposit`).catch(() => {});
          failed(err);
          continue;
        }
        try {
          s = await inject("POST", `/kiosk/${t}/deposit/size`, {});
        } catch {
          await inject("DELETE", `/kiosk/${t}/deposit`).catch(() => {});
          break; // full
        }
        try {
          await until(
            async () => (await inject("GET", `/kiosk/${t}/deposit`)).step === "open",
            "the deposit door open",
          );
          await inject("POST", `/sim/lockers/${s.device}/${s.compartment}`, { action: "close" });
          const done = await until(
            async () => (await inject("GET", `/kiosk/${t}/deposit`)).last,
            "the deposit done",
          );
          await inject("DELETE", `/kiosk/${t}/deposit`);
          // this parcel's event (committed in the ingest's next group commit, maybe not yet)
          const data = await until(
            () =>
              gw.db
                .prepare(
                  "SELECT data FROM events_view WHERE seq > ? AND type = 'parcel.deposited' AND json_extract(data, '$.barcode') = ?",
                )
                .pluck()
                .get(from, barcode),
            "the parcel.deposited event",
          );
          codes.push({
            code: JSON.parse(data).pickupCode,
            device: s.device,
            compartment: done.compartment,
          });
        } catch (err) {
          await inject("DELETE", `/kiosk/${t}/deposit`).catch(() => {});
          failed(err);
        }
      }
      if (codes.length === 0) failed(new Error("no compartment could be filled this round"));
      for (const { code, device, compartment } of codes) {
        if (lat.length >= pickups) break;
        const before = lastOpenAt;
        const t0 = performance.now();
        try {
          await inject("POST", "/kiosk/kiosk-r/pickup", { code });
          await until(() => lastOpenAt !== before, "the pickup's open frame");
          lat.push(lastOpenAt - t0);
          await until(
            async () =>
              (await inject("GET", `/locker/compartments?device=${device}`)).compartments.find(
                (c) => c.compartment === compartment,
              )?.doorOpen,
            "the pickup door open",
          );
        } catch (err) {
          failed(err);
        }
        await inject("POST", `/sim/lockers/${device}/${compartment}`, { action: "close" }).catch(() => {});
        await sleep(20);
      }
    }
  } finally {
    child.kill("SIGKILL");
    flooder?.kill("SIGKILL");
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    pickups: lat.length,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    max: Math.max(...lat),
    loadRate,
    flood,
    failures,
  };
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === "flood") {
  // `node bench/locker.js flood [runs] [pickups] [events/s] [other lines]`: door-open latency without and
  // with a 100/s wrong-password CONNECT flood, interleaved, each run printed as one JSON line.
  const runs = Number(process.argv[3] ?? 3);
  const pickups = Number(process.argv[4] ?? 48);
  const loadRate = Number(process.argv[5] ?? 2000);
  const otherLines = Number(process.argv[6] ?? 3);
  for (let r = 0; r < runs; r++) {
    for (const flood of [0, 100]) {
      const d = await doorLatencyBench({ pickups, flood, loadRate, otherLines });
      console.log(
        JSON.stringify({ run: r + 1, flood, loadRate, p50: d.p50, p99: d.p99, max: d.max, n: d.pickups }),
      );
    }
  }
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const poll = await pollCycleBench();
  console.log("poll cycle", poll);
  console.log("raw simulated line", await rawLineBench());
  const door = await doorLatencyBench();
  console.log("door latency", door);
}
