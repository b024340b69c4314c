// Cold-chain poll cycle against a tight third-party peer (alone: `node bench/cold-poll-peer.js`;
// needs `npm run build` and /usr/bin/socat). Part of the cold-poll scenario of `npm run bench`.
//
//   The simulated line of cold-poll.js paces bytes with timers, so its own wake-up lateness is in
//   the figure (the bare line alone measures 1.15-1.30 × the floor on this machine). Here the
//   gateway (bus master + cold-controller drivers over a real serialport transport) talks over a
//   socat pty pair (no baud pacing: bytes pass at once) to modbus-serial's ServerSerial answering
//   every unit (unitID 255) with its silence parser at 1 ms (its default, 30 ms, would be the
//   peer's own cost). What remains per exchange is the gateway's: from a reply's arrival to the
//   next request on the wire (t3.5 = 3.65 ms at 9600 8N1, the rest is ours), measured on the
//   gateway's end. The gateway's estimated ratio on a real 9600-baud line is then
//   (wire floor + cycles' excess over t3.5) / wire floor.
// Prints figures; asserts nothing.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ServerSerial } from "modbus-serial";
import { pino } from "pino";
import { Registry } from "prom-client";

const DIST = new URL("../dist/", import.meta.url);
const imp = (p) => import(new URL(p, DIST).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};

async function ptyPair(dir) {
  const a = join(dir, "gw");
  const b = join(dir, "dev");
  const child = spawn(
    "/usr/bin/socat",
    ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  await new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      if (/starting data transfer loop/.test(err)) resolve();
    });
    child.once("exit", (c) => reject(new Error(`socat exited ${c}: ${err}`)));
  });
  return { a, b, child };
}

/**
 * @returns the gateway's inter-frame time (reply in → next request out, median and 90th
 *   percentile, ms), the cycle time over the pty, and the estimated ratio on a 9600-baud line
 */
export async function coldPeerBench({ controllers = 8, baud = 9600, cycles = 15 } = {}) {
  const { loadModels } = await imp("config/models.js");
  const { SerialLink } = await imp("southbound/serial/link.js");
  const { SerialPortTransport } = await imp("southbound/serial/serialport-transport.js");
  const { createModbusBusMaster, modbusRtuAdapter } = await imp("drivers/modbus-rtu-adapter.js");
  const { ColdControllerDriver } = await imp("drivers/cold-controller.js");
  const model = loadModels().get("generic-cold-controller");
  const dir = mkdtempSync(join(tmpdir(), "qh-bench-peer-"));
  const pty = await ptyPair(dir);
  const words = new Map([
    [0, 0xff4c], // -18.0 °C
    [1, 0],
    [2, 1],
    [3, 0],
  ]);
  const vector = {
    getInputRegister: (addr) => words.get(addr) ?? 0,
    getHoldingRegister: (addr) => (addr === 0 ? 0xff4c : 0),
    setRegister: () => {},
  };
  const server = await new Promise((resolve, reject) => {
    const s = new ServerSerial(vector, {
      path: pty.b,
      baudRate: baud,
      unitID: 255,
      interval: 1,
      openCallback: (err) => (err ? reject(err) : resolve(s)),
    });
    s.on("error", () => {});
  });
  const log = pino({ level: "silent" });
  let lastReplyAt;
  const turn = [];
  const link = new SerialLink({
    id: "bench-peer",
    factory: () => {
      const t = new SerialPortTransport({ path: pty.a, baudRate: baud });
      t.on("data", () => {
        lastReplyAt = performance.now();
      });
      const write = t.write.bind(t);
      t.write = (buf) => {
        if (lastReplyAt !== undefined) turn.push(performance.now() - lastReplyAt);
        lastReplyAt = undefined;
        return write(buf);
      };
      return t;
    },
    log,
  });
  const bus = createModbusBusMaster({ link, baudRate: baud, log, registry: new Registry(), retries: 0 });
  bus.start();
  while (!bus.connected) await sleep(5);
  const units = Array.from({ length: controllers }, (_, i) => i + 1);
  const drivers = units.map(
    (unit) => new ColdControllerDriver({ device: `cold-${unit}`, unit, model, bus, baudRate: baud, log }),
  );
  const periods = [];
  let bad = 0;
  for (let c = 0; c < cycles + 2; c++) {
    if (c === 2) turn.length = 0;
    const t0 = performance.now();
    const readings = await Promise.all(drivers.map((d) => d.read(0)));
    if (c >= 2) periods.push(performance.now() - t0);
    bad += readings.filter((r) => r.quality !== "ok").length;
  }
  await bus.stop();
  await new Promise((r) => server.close(() => r()));
  pty.child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
  const silence = modbusRtuAdapter.lineTiming(baud).silenceMs;
  const sorted = [...turn].sort((a, b) => a - b);
  const byteMs = 10_000 / baud;
  const floor = controllers * ((8 + 13 + 8 + 7) * byteMs + 2 * silence);
  const excess = Math.max(0, median(turn) - silence) * 2 * controllers;
  return {
    controllers,
    baud,
    exchanges: turn.length,
    silenceMs: silence,
    turnMedianMs: median(turn),
    turnP90Ms: sorted[Math.floor(sorted.length * 0.9)],
    cyclePtyMs: median(periods),
    estimatedRatio: (floor + excess) / floor,
    bad,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await coldPeerBench();
  const f = (x) => x.toFixed(2);
  process.stdout.write(
    `cold-poll vs modbus-serial ServerSerial over socat (${r.controllers} units, ${r.exchanges} exchanges): ` +
      `reply in → next request out median ${f(r.turnMedianMs)} ms, p90 ${f(r.turnP90Ms)} ms (t3.5 = ${f(r.silenceMs)} ms); ` +
      `cycle over the pty ${f(r.cyclePtyMs)} ms; estimated on a 9600-baud line: ${r.estimatedRatio.toFixed(3)} × the floor; ${r.bad} readings not ok\n`,
  );
}
