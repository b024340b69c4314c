/**
 * Test support for the serial integration tests: a line of simulated lockboard-xor boards on the
 * device end of a real serial port (a socat PTY), and a bus master on the gateway end.
 *
 * The device side sits on a SerialLink of its own, so that it reopens its end after an unplug just
 * like the gateway does.
 */
import { Registry } from "prom-client";
import { afterEach, beforeEach } from "vitest";
import { createLogger, type Logger, silentLogger } from "../../../../src/core/logger.js";
import {
  createLockboardDecoder,
  describe,
  encode,
  isReplyTo,
  isRequest,
  type LockboardMessage,
  type LockboardRequest,
} from "../../../../src/protocols/lockboard-xor/index.js";
import { LockboardBusSim, type LockboardSimOptions } from "../../../../src/sim/lockboard-xor.js";
import {
  BusMaster,
  type BusMasterOptions,
  type BusRequest,
} from "../../../../src/southbound/serial/bus-master.js";
import { SerialLink } from "../../../../src/southbound/serial/link.js";
import { SerialPortTransport } from "../../../../src/southbound/serial/serialport-transport.js";
import { openPtyLine, type PtyLine } from "./pty-line.js";

export function testLogger(): Logger {
  const level = process.env.QH_TEST_LOG;
  return level ? createLogger(level as "debug", process.stderr) : silentLogger();
}

/** A SerialLink over a real serial port path, with a short reconnect backoff for tests. */
export function portLink(id: string, path: string, registry?: Registry): SerialLink {
  return new SerialLink({
    id,
    factory: () => new SerialPortTransport({ path, baudRate: 9600 }),
    log: testLogger(),
    ...(registry ? { registry } : {}),
    backoff: { initialMs: 50, maxMs: 400 },
  });
}

export interface DeviceSide {
  sim: LockboardBusSim;
  link: SerialLink;
  /** Every request the boards decoded, in order. */
  heard: LockboardRequest[];
  heardFrom(board: number): number;
  stop(): Promise<void>;
}

/** Simulated boards on the device end of the line. Resolves once that end is open. */
export async function startDevices(path: string, sim: LockboardSimOptions): Promise<DeviceSide> {
  const s = new LockboardBusSim(sim);
  const link = portLink("devices", path);
  const heard: LockboardRequest[] = [];
  s.on("rx", (r) => {
    if (r.ok && isRequest(r.msg as LockboardMessage)) heard.push(r.msg as LockboardRequest);
  });
  s.attach(link);
  link.start();
  await waitConnected(link);
  return {
    sim: s,
    link,
    heard,
    heardFrom: (board) => heard.filter((m) => m.board === board).length,
    stop: async () => {
      s.stop();
      await link.stop();
    },
  };
}

export function lockboardBus(
  opts: { link: SerialLink; registry: Registry } & Partial<BusMasterOptions<LockboardMessage>>,
): BusMaster<LockboardMessage> {
  return new BusMaster<LockboardMessage>({
    id: opts.link.id,
    decoder: createLockboardDecoder(),
    describe,
    isUnsolicited: (m) => m.kind === "pushChange",
    log: testLogger(),
    defaults: { timeoutMs: 1000, retries: 1 },
    pollCycleMs: 20,
    ...opts,
  });
}

/** A bus request for a lockboard-xor request message, matched by its reply. */
export function req(
  msg: LockboardRequest,
  priority: "command" | "poll" = "command",
  extra: Partial<BusRequest<LockboardMessage>> = {},
): BusRequest<LockboardMessage> {
  return {
    target: String(msg.board),
    bytes: encode(msg),
    match: (m) => isReplyTo(msg, m),
    message: msg,
    priority,
    describe: describe(msg),
    ...extra,
  };
}

export const queryAll = (board: number) => ({ kind: "queryAll", board }) as const;
export const openLock = (board: number, lock: number) => ({ kind: "openLock", board, lock }) as const;

/** Wait until `cond()` holds (bounded, to fail rather than hang); never a timing assertion. */
export async function until(cond: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function waitConnected(link: {
  connected: boolean;
  on(e: "up", cb: () => void): () => void;
}): Promise<void> {
  if (link.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const off = link.on("up", () => {
      off();
      resolve();
    });
  });
}

/** The value of one counter or gauge series, read from the registry. */
export async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  let sum = 0;
  for (const v of values) {
    const l = v.labels as Record<string, string | number>;
    if (Object.entries(labels).every(([k, want]) => String(l[k]) === want)) sum += v.value;
  }
  return sum;
}

export interface StartedLine {
  pty: PtyLine;
  devices: DeviceSide;
  bus: BusMaster<LockboardMessage>;
  registry: Registry;
}

/**
 * The set-up most bus-master tests share: a socat pair, the lockboard simulator on one end, a
 * started bus master on the other (connected before each test), all torn down after it.
 */
export function useStartedLine(sim: LockboardSimOptions): StartedLine {
  const line = {} as StartedLine;
  beforeEach(async () => {
    line.pty = await openPtyLine();
    line.registry = new Registry();
    line.devices = await startDevices(line.pty.b, sim);
    line.bus = lockboardBus({ link: portLink("rs485-1", line.pty.a), registry: line.registry });
    line.bus.start();
    await until(() => line.bus.connected, "bus connected");
  });
  afterEach(async () => {
    await line.bus?.stop();
    await line.devices?.stop();
    await line.pty?.close();
  });
  return line;
}
