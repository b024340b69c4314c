/**
 * A cashless reader over the real driver and a real SQLite store, with the MDB bridge board played
 * by a script: the bridge's firmware is not ours to run, and the cases here (a bridge that refuses
 * one command, answers late, or sends a state line between a command and its answer) are the ones
 * the simulator never does on purpose. `feed` is a line from the bridge; `onWrite` sees every
 * command line the gateway writes and may answer it.
 */
import { join } from "node:path";
import { type Clock, systemClock } from "../../../src/core/clock.js";
import type { EventEnvelope } from "../../../src/core/envelope.js";
import { silentLogger } from "../../../src/core/logger.js";
import { VendingRecorder } from "../../../src/domain/vending/recorder.js";
import { migrateVending } from "../../../src/domain/vending/schema.js";
import { CashlessReader } from "../../../src/domain/vending/session.js";
import type { MachineSettings } from "../../../src/domain/vending/types.js";
import { type BridgeLine, MdbBridgeDriver } from "../../../src/drivers/mdb-bridge.js";
import { type Db, openDatabase } from "../../../src/store/db.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

export interface ScriptedRig {
  db: Db;
  sink: SqliteEventSink;
  reader: CashlessReader;
  driver: MdbBridgeDriver;
  recorder: VendingRecorder;
  written: string[];
  feed(text: string): void;
  /** wait until `check` holds (polls every 5 ms; throws after timeoutMs) */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  events(type: string): EventEnvelope[];
  close(): void;
}

export interface ScriptedOptions {
  dir: string;
  onWrite?: (cmd: string, feed: (text: string) => void) => void;
  settings?: Partial<MachineSettings>;
  clock?: Clock;
  answerTimeoutMs?: number;
  sink?: SqliteEventSink;
  db?: Db;
  productOf?: (device: string, slot: number) => string | null;
  stopGraceMs?: number;
}

export async function scriptedRig(o: ScriptedOptions): Promise<ScriptedRig> {
  const db = o.db ?? openDatabase({ dataDir: o.dir });
  migrateVending(db);
  const sink = o.sink ?? new SqliteEventSink(join(o.dir, "events.sqlite"));
  const written: string[] = [];
  const listeners: ((b: Buffer) => void)[] = [];
  const feed = (text: string): void => {
    for (const l of listeners) l(Buffer.from(text, "latin1"));
  };
  const line: BridgeLine = {
    write: async (b: Buffer) => {
      const cmd = b.toString("latin1").trim();
      written.push(cmd);
      o.onWrite?.(cmd, feed);
    },
    on: ((ev: string, fn: (b: Buffer) => void) => {
      if (ev === "data") listeners.push(fn);
      return () => {};
    }) as BridgeLine["on"],
  };
  const log = silentLogger();
  const clock = o.clock ?? systemClock;
  const recorder = new VendingRecorder(db, sink, clock, log);
  let reader!: CashlessReader;
  const driver = new MdbBridgeDriver({
    device: "vm-1",
    bus: "b",
    line,
    onEvent: (e) => reader.onEvent(e),
    onLink: (u) => reader.onLink(u),
    log,
    answerTimeoutMs: o.answerTimeoutMs ?? 300,
  });
  reader = new CashlessReader({
    settings: {
      device: "vm-1",
      reader: {
        featureLevel: 1,
        countryCode: "1156",
        scaleFactor: 1,
        decimalPlaces: 2,
        maxResponseSeconds: 5,
        options: 0,
      },
      authorizeWindowMs: 1000,
      sessionTimeoutSeconds: 60,
      offlineLimit: { vendsPerDay: 0, amountPerDay: 0 },
      ...o.settings,
    },
    bridge: driver,
    recorder,
    events: sink,
    clock,
    uplinkOnline: () => true,
    ...(o.productOf ? { productOf: o.productOf } : {}),
    ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
    log,
  });
  driver.start();
  await reader.start();
  const until = async (check: () => boolean, what: string, timeoutMs = 3000): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what} (have: ${sink.types().join(", ")})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    db,
    sink,
    reader,
    driver,
    recorder,
    written,
    feed,
    until,
    events: (type) => sink.events(type),
    close: () => {
      reader.stop();
      driver.stop();
      if (!o.sink) sink.close();
    },
  };
}
