/**
 * Test support for the Modbus integration tests: a third-party Modbus RTU server (modbus-serial's
 * ServerSerial, not our simulator) on the device end of a socat pty pair, and our bus master and
 * cold-controller drivers on the gateway end.
 *
 * The server is a plain register store per unit (raw 16-bit words, as a controller holds them):
 * what the words mean (signed tenths of a degree) is the driver's business, by the device model.
 */
import { ServerSerial } from "modbus-serial";
import type { Registry } from "prom-client";
import { type ColdControllerModel, loadModels } from "../../../src/config/models.js";
import { ColdControllerDriver } from "../../../src/drivers/cold-controller.js";
import { createModbusBusMaster } from "../../../src/drivers/modbus-rtu-adapter.js";
import type { ModbusMessage } from "../../../src/protocols/modbus-rtu/index.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import { portLink, testLogger } from "../serial/support/lockboard-line.js";

export { metric, until, waitConnected } from "../serial/support/lockboard-line.js";

export const model = loadModels().get("generic-cold-controller") as ColdControllerModel;

/** A raw word of a signed 16-bit value (-18.0 °C at scale 0.1 → -180 → 0xFF4C). */
export const word = (n: number): number => n & 0xffff;

export interface ServerOptions {
  /** the one unit this server answers (others on the line get silence) */
  unitID: number;
  input: Record<number, number>;
  holding: Record<number, number>;
  /** exception code for a write the controller refuses (e.g. 3 for a value out of its range) */
  refuseWrite?: (address: number, value: number) => number | undefined;
}

export interface ThirdPartyServer {
  input: Map<number, number>;
  holding: Map<number, number>;
  /** every 06/16 register write the server took or refused, in order */
  writes: { address: number; value: number; refused?: number }[];
  /** register reads served (per register) */
  reads: number;
  close(): Promise<void>;
}

/** Starts modbus-serial's ServerSerial on `path` (9600 8N1); resolves once its port is open. */
export async function startServer(path: string, o: ServerOptions): Promise<ThirdPartyServer> {
  const input = new Map(Object.entries(o.input).map(([k, v]) => [Number(k), v]));
  const holding = new Map(Object.entries(o.holding).map(([k, v]) => [Number(k), v]));
  const writes: ThirdPartyServer["writes"] = [];
  const state = { reads: 0 };
  const illegal = (): never => {
    throw { modbusErrorCode: 2, msg: "illegal data address" };
  };
  const vector = {
    getInputRegister: (addr: number) => {
      state.reads++;
      return input.get(addr) ?? illegal();
    },
    getHoldingRegister: (addr: number) => {
      state.reads++;
      return holding.get(addr) ?? illegal();
    },
    setRegister: (addr: number, value: number) => {
      if (!holding.has(addr)) illegal();
      const refused = o.refuseWrite?.(addr, value);
      writes.push(refused ? { address: addr, value, refused } : { address: addr, value });
      if (refused) throw { modbusErrorCode: refused, msg: "refused" };
      holding.set(addr, value);
    },
  };
  const server = await new Promise<ServerSerial>((resolve, reject) => {
    const s = new ServerSerial(vector, {
      path,
      baudRate: 9600,
      unitID: o.unitID,
      openCallback: (err) => (err ? reject(err) : resolve(s)),
    } as ConstructorParameters<typeof ServerSerial>[1]);
    s.on("error", () => {});
    s.on("socketError", () => {});
  });
  // the port vanishes on unplug: that is the test's point, not a crash
  (server as unknown as { getPort(): NodeJS.EventEmitter }).getPort().on("error", () => {});
  return {
    input,
    holding,
    writes,
    get reads() {
      return state.reads;
    },
    close: () =>
      new Promise<void>((resolve) => {
        try {
          server.close(() => resolve());
        } catch {
          resolve();
        }
      }),
  };
}

export interface GatewaySide {
  bus: BusMaster<ModbusMessage>;
  controller(unit: number, device?: string): ColdControllerDriver;
  stop(): Promise<void>;
}

/** Our side: a SerialLink on `path`, a Modbus bus master, drivers by unit. Started. */
export function startGateway(
  path: string,
  registry: Registry,
  o: { timeoutMs?: number; retries?: number; backoffMs?: number } = {},
): GatewaySide {
  const link = portLink("modbus-1", path, registry);
  const bus = createModbusBusMaster({
    link,
    baudRate: 9600,
    log: testLogger(),
    registry,
    timeoutMs: o.timeoutMs ?? 500,
    retries: o.retries ?? 1,
    ...(o.backoffMs ? { backoff: { initialMs: o.backoffMs } } : {}),
  });
  bus.start();
  return {
    bus,
    controller: (unit, device = `cold-${unit}`) =>
      new ColdControllerDriver({
        device,
        unit,
        model,
        bus,
        baudRate: 9600,
        timeoutMs: o.timeoutMs ?? 500,
        retries: o.retries ?? 1,
        log: testLogger(),
      }),
    stop: () => bus.stop(),
  };
}

/** The generic model's registers of a two-zone controller: chilled 4.0 °C, frozen -18.0 °C. */
export function coldRegisters(): Pick<ServerOptions, "input" | "holding"> {
  return {
    // channel 0 at 0-3, channel 1 at 16-19: temperature, door, compressor, defrost
    input: { 0: 40, 1: 0, 2: 0, 3: 0, 16: word(-180), 17: 0, 18: 1, 19: 0 },
    // set-point and defrost command per channel
    holding: { 0: 40, 1: 0, 16: word(-180), 17: 0 },
  };
}
