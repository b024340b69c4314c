/**
 * A vending machine on a real pseudo-terminal pair: the simulator (VMC + bridge) on one end, the
 * gateway's driver and cashless reader on the other through serialport and a SerialLink, a real
 * SQLite store (the recorder, vending_sales) and a SQLite event sink. Time is real; the windows
 * are short so the tests are quick, and no test asserts a duration.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ManualClock, systemClock } from "../../../src/core/clock.js";
import type { EventEnvelope } from "../../../src/core/envelope.js";
import { silentLogger } from "../../../src/core/logger.js";
import { VendingRecorder } from "../../../src/domain/vending/recorder.js";
import { migrateVending } from "../../../src/domain/vending/schema.js";
import { CashlessReader } from "../../../src/domain/vending/session.js";
import type { MachineSettings } from "../../../src/domain/vending/types.js";
import { MdbBridgeDriver } from "../../../src/drivers/mdb-bridge.js";
import { runSimOnPath } from "../../../src/sim/pty-runner.js";
import { VendingMachineSim, type VendingSimOptions } from "../../../src/sim/vending-machine.js";
import { SerialLink } from "../../../src/southbound/serial/link.js";
import { SerialPortTransport } from "../../../src/southbound/serial/serialport-transport.js";
import { type Db, openDatabase } from "../../../src/store/db.js";
import { tempDir } from "../../helpers/gateway.js";
import { openPtyPair, type PtyPair } from "../../helpers/pty.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

export const DEVICE = "vm-1";

export interface Rig {
  sim: VendingMachineSim;
  reader: CashlessReader;
  driver: MdbBridgeDriver;
  sink: SqliteEventSink;
  db: Db;
  dir: string;
  online: { up: boolean };
  /** wait until the sink holds `n` events of that type (default 1); returns them */
  waitFor(type: string, n?: number, timeoutMs?: number): Promise<EventEnvelope[]>;
  /** wait until the gateway sees the reader in that state */
  waitState(state: string, timeoutMs?: number): Promise<void>;
  /** stop the reader, driver, link and simulator (the store stays open: see restartReader) */
  stopReader(): Promise<void>;
  /** a new reader on the same store and line (what a gateway restart does) */
  restartReader(): Promise<void>;
  close(): Promise<void>;
}

export const SETTINGS: MachineSettings = {
  device: DEVICE,
  reader: {
    featureLevel: 1,
    countryCode: "1156",
    scaleFactor: 1,
    decimalPlaces: 2,
    maxResponseSeconds: 2,
    options: 0,
  },
  authorizeWindowMs: 400,
  sessionTimeoutSeconds: 60,
  offlineLimit: { vendsPerDay: 0, amountPerDay: 0 },
};

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function vendingRig(
  o: { sim?: VendingSimOptions; settings?: Partial<MachineSettings>; clock?: ManualClock } = {},
): Promise<Rig> {
  const dir = tempDir("qh-vend-");
  let db = openDatabase({ dataDir: dir });
  migrateVending(db);
  const sink = new SqliteEventSink(join(dir, "events.sqlite"));
  const pair: PtyPair = await openPtyPair();
  const sim = new VendingMachineSim({ prices: { 12: 150, 7: 120, 3: 300 }, ...o.sim });
  const stopSim = await runSimOnPath(sim, pair.a, 115200);
  const online = { up: true };
  const settings = { ...SETTINGS, ...o.settings };
  const log = silentLogger();
  const clock = o.clock ?? systemClock;

  let link: SerialLink;
  let driver!: MdbBridgeDriver;
  let reader!: CashlessReader;
  const build = async () => {
    link = new SerialLink({
      id: "vend-bus",
      factory: () => new SerialPortTransport({ path: pair.b, baudRate: 115200 }),
      log,
    });
    const recorder = new VendingRecorder(db, sink, clock, log);
    driver = new MdbBridgeDriver({
      device: DEVICE,
      bus: "vend-bus",
      line: link,
      onEvent: (e) => reader.onEvent(e),
      onLink: (up) => reader.onLink(up),
      log,
    });
    reader = new CashlessReader({
      settings,
      bridge: driver,
      recorder,
      events: sink,
      clock,
      uplinkOnline: () => online.up,
      log,
    });
    driver.start();
    link.start();
    await until(() => link.connected, "the serial line", 5000);
    await recorder.flush();
  };
  await build();
  sim.powerUp();

  const rig: Rig = {
    sim,
    get reader() {
      return reader;
    },
    get driver() {
      return driver;
    },
    sink,
    get db() {
      return db;
    },
    dir,
    online,
    async waitFor(type, n = 1, timeoutMs = 5000) {
      await until(
        () => sink.events(type).length >= n,
        `${n} × ${type} (have: ${sink.types().join(", ")})`,
        timeoutMs,
      );
      return sink.events(type);
    },
    async waitState(state, timeoutMs = 5000) {
      await until(
        () => reader.readerState === state,
        `reader state ${state} (is ${reader.readerState})`,
        timeoutMs,
      );
    },
    async stopReader() {
      reader.stop();
      driver.stop();
      await link.stop();
    },
    async restartReader() {
      db.close();
      db = openDatabase({ dataDir: dir });
      await build();
      await reader.start();
    },
    async close() {
      reader.stop();
      driver.stop();
      await link.stop();
      await stopSim();
      sim.stop();
      await pair.close();
      db.close();
      sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  } as Rig;
  return rig;
}

export { ManualClock };
