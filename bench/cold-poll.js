// Cold-chain poll-cycle benchmark (part of `npm run bench` as the opt-in scenario "cold-poll";
// alone: `node bench/cold-poll.js`). Needs `npm run build` first (imports dist/).
//
//   One RS-485 line of 8 Modbus RTU temperature controllers (the simulator, generic-cold-controller
//   map) on the in-process link paced at 9600 baud, 8N1 (10 bits per byte: 1.04 ms), each read by
//   the cold-controller driver (one 04 read of temperature/door/compressor/defrost and one 03 read
//   of the set-point per zone), one zone per controller, back to back through the bus master.
//
//   Wire floor of one cycle: every request and reply byte at 1.04 ms, plus the 3.5-character
//   silence (3.65 ms at 10 bits per character) the master must keep after each reply before its
//   next request. The simulator answers at once (no turnaround), so the ratio is what the bus
//   master, the driver and the event loop add to the wire. Goal: under 1.10 × the floor.
//   The raw line (no bus master: write, wait for the reply bytes, keep t3.5, write) is measured too,
//   to tell the simulated line's own cost (timer wake-ups) from the master's.
// Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { Registry } from "prom-client";

const DIST = new URL("../dist/", import.meta.url);
const imp = (p) => import(new URL(p, DIST).href);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rig(controllers, baud) {
  const { loadModels } = await imp("config/models.js");
  const { createInProcessPair } = await imp("southbound/serial/in-process.js");
  const { ModbusColdSim } = await imp("sim/modbus-cold.js");
  const model = loadModels().get("generic-cold-controller");
  const [mine, theirs] = createInProcessPair({ paceBaud: baud });
  const units = Array.from({ length: controllers }, (_, i) => i + 1);
  // the in-process pair paces both directions; the simulator itself answers at once
  const sim = new ModbusColdSim({ model, units });
  sim.attach(theirs);
  return { model, mine, units, sim };
}

/** Bytes of one zone's read (04 of 4 registers, 03 of 1): requests 8 + 8, replies 13 + 7. */
function floorMs(controllers, baud) {
  const byteMs = 10_000 / baud;
  const silenceMs = 3.5 * byteMs;
  const perZone = (8 + 13) * byteMs + silenceMs + (8 + 7) * byteMs + silenceMs;
  return controllers * perZone;
}

/**
 * Median cycle time of reading zone 0 of `controllers` controllers through the driver and the bus
 * master, against the wire floor.
 */
export async function coldPollBench({ controllers = 8, baud = 9600, cycles = 15 } = {}) {
  const { SerialLink } = await imp("southbound/serial/link.js");
  const { createModbusBusMaster } = await imp("drivers/modbus-rtu-adapter.js");
  const { ColdControllerDriver } = await imp("drivers/cold-controller.js");
  const log = pino({ level: "silent" });
  const { model, mine, units, sim } = await rig(controllers, baud);
  const link = new SerialLink({ id: "bench-cold", factory: () => mine, log });
  const bus = createModbusBusMaster({ link, baudRate: baud, log, registry: new Registry(), retries: 0 });
  bus.start();
  while (!bus.connected) await sleep(5);
  const drivers = units.map(
    (unit) => new ColdControllerDriver({ device: `cold-${unit}`, unit, model, bus, baudRate: baud, log }),
  );
  const periods = [];
  let bad = 0;
  for (let c = 0; c < cycles + 2; c++) {
    const t0 = performance.now();
    const readings = await Promise.all(drivers.map((d) => d.read(0)));
    if (c >= 2) periods.push(performance.now() - t0);
    bad += readings.filter((r) => r.quality !== "ok").length;
  }
  await bus.stop();
  sim.stop();
  const floor = floorMs(controllers, baud);
  const cycleMs = median(periods);
  return { controllers, baud, cycles: periods.length, floorMs: floor, cycleMs, ratio: cycleMs / floor, bad };
}

/** The same exchanges with no bus master: write, wait for the reply's bytes, keep t3.5, write. */
export async function coldRawLineBench({ controllers = 8, baud = 9600, cycles = 15 } = {}) {
  const { encode } = await imp("protocols/modbus-rtu/index.js");
  const { mine, units, sim } = await rig(controllers, baud);
  let got = 0;
  let want = 0;
  let wake = () => {};
  mine.on("data", (b) => {
    got += b.length;
    if (got >= want) wake();
  });
  const silence = Math.ceil((3.5 * 10_000) / baud);
  const periods = [];
  for (let c = 0; c < cycles + 2; c++) {
    const t0 = performance.now();
    for (const unit of units) {
      for (const [req, len] of [
        [{ kind: "readInput", unit, address: 0, quantity: 4 }, 13],
        [{ kind: "readHolding", unit, address: 0, quantity: 1 }, 7],
      ]) {
        got = 0;
        want = len;
        const replied = new Promise((r) => {
          wake = r;
        });
        await mine.write(encode(req));
        await replied;
        await sleep(silence);
      }
    }
    if (c >= 2) periods.push(performance.now() - t0);
  }
  sim.stop();
  const floor = floorMs(controllers, baud);
  const cycleMs = median(periods);
  return { floorMs: floor, cycleMs, ratio: cycleMs / floor };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await coldPollBench();
  const raw = await coldRawLineBench();
  const f = (x) => x.toFixed(1);
  process.stdout.write(
    `cold-poll: ${r.controllers} controllers at ${r.baud} baud, median of ${r.cycles} cycles: ${f(r.cycleMs)} ms ` +
      `against a wire floor of ${f(r.floorMs)} ms = ${r.ratio.toFixed(3)} × (goal < 1.10); ${r.bad} readings not ok\n` +
      `raw line (no bus master, same exchanges): ${f(raw.cycleMs)} ms = ${raw.ratio.toFixed(3)} × the floor\n`,
  );
}
