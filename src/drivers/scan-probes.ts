/**
 * One address probed by a bus scan, per protocol: reads only, through the line's own bus master
 * (priority "poll": residents' door pulses go first, the normal polls interleave), one attempt,
 * counted against no target (`probe: true`: an empty address is no dead board).
 *
 *   lock boards (lockboard-xor, kerong-cu16): the board-wide door read the driver polls with
 *        ─► locks, doors open (and items present where the board senses them)
 *   modbus-rtu controllers: the configured model's reads of every channel (or a read of input
 *        register 0 where the config has no controller) ─► values by the model's register map
 *
 * Bytes that come back as no valid frame while the probe waits are reported as "garbled" (a wrong
 * baud rate, a board of another protocol, a bad transceiver), not as silence.
 */
import type { ColdControllerModel } from "../config/models.js";
import { isQhError } from "../core/errors.js";
import type { ScanAnswer } from "../domain/commissioning/site.js";
import {
  decodeValue,
  EXCEPTION_NAMES,
  FN,
  type ModbusMessage,
  type ModbusRequest,
  wordCount,
} from "../protocols/modbus-rtu/index.js";
import type { BusMaster, BusRequest } from "../southbound/serial/bus-master.js";
import { planReads } from "./cold-controller.js";
import type { LockBoardAdapter } from "./lock-board-adapter.js";
import { modbusRtuAdapter } from "./modbus-rtu-adapter.js";

/** What the config has at an address of the line. */
export interface ConfiguredAt {
  device: string;
  model: string;
  /** lock boards: locks wired to the board at that address */
  locks?: number;
}

type Outcome<M> = { reply: M } | { silent: true; garbledBytes: number };

/** One probe request; bytes the decoder refused meanwhile are counted. Rethrows QH_SERIAL_CLOSED. */
async function ask<M>(master: BusMaster<M>, req: BusRequest<M>): Promise<Outcome<M>> {
  let garbledBytes = 0;
  const off = master.on("rejected", (r) => {
    garbledBytes += r.bytes;
  });
  try {
    return { reply: await master.request({ ...req, priority: "poll", retries: 0, probe: true }) };
  } catch (err) {
    if (isQhError(err, "QH_SERIAL_TIMEOUT")) return { silent: true, garbledBytes };
    throw err;
  } finally {
    off();
  }
}

function notAnswered(
  address: number,
  garbledBytes: number,
  at: ConfiguredAt | undefined,
  protocol: string,
): ScanAnswer {
  const who = at ? { device: at.device, model: at.model } : {};
  if (garbledBytes > 0) {
    return {
      address,
      answered: true,
      status: "garbled",
      ...who,
      detail: `${garbledBytes} byte(s) came back that are no valid ${protocol} frame: check the baud rate, the board's protocol and its RS-485 transceiver`,
    };
  }
  return {
    address,
    answered: false,
    status: "silent",
    ...who,
    detail: at
      ? `nothing answers, but the config has ${at.device} (${at.model}) here: check its power, address switches and wiring`
      : "nothing answers",
  };
}

/**
 * A lock-board probe: the board-wide read (kerong-cu16 status, lockboard-xor query-all).
 * @param defaultLocks locks to report for a board the config does not have (16 kerong, 24 xor)
 */
export function lockBoardProbe<M>(o: {
  master: BusMaster<M>;
  adapter: LockBoardAdapter<M>;
  timeoutMs: number;
  configured: ReadonlyMap<number, ConfiguredAt>;
  defaultLocks: number;
}): (address: number) => Promise<ScanAnswer> {
  const proto = o.adapter.protocol;
  return async (address) => {
    const at = o.configured.get(address);
    const ex = o.adapter.poll(address);
    const r = await ask(o.master, {
      target: `probe@${address}`,
      bytes: ex.bytes,
      message: ex.message,
      match: ex.match,
      timeoutMs: o.timeoutMs,
      describe: `scan ${proto} ${address}`,
    });
    if ("silent" in r) return notAnswered(address, r.garbledBytes, at, proto);
    const locks = at?.locks ?? o.defaultLocks;
    const samples = o.adapter.samples(r.reply, locks) ?? [];
    const open = samples.filter((s) => !s.closed).map((s) => s.lock);
    const present = samples.filter((s) => s.present === true).map((s) => s.lock);
    const sensesItems = samples.some((s) => s.present !== undefined);
    const doors = open.length === 0 ? "every door shut" : `doors open: ${open.join(", ")}`;
    const items = sensesItems ? `; items in: ${present.length === 0 ? "none" : present.join(", ")}` : "";
    return {
      address,
      answered: true,
      status: "ok",
      ...(at ? { device: at.device, model: at.model } : {}),
      detail: at
        ? `${proto} board of ${at.device} (${at.model}), ${locks} locks, ${doors}${items}`
        : `a ${proto} board answers here (not in the config; ${locks} locks assumed), ${doors}${items}`,
      report: { locks, open, ...(sensesItems ? { present } : {}) },
    };
  };
}

/**
 * A Modbus RTU probe. With a configured controller: its model's reads of every channel, decoded
 * by the register map. Without: a read of input register 0 (a refusal still proves a controller).
 */
export function modbusProbe(o: {
  master: BusMaster<ModbusMessage>;
  baudRate: number;
  timeoutMs: number;
  configured: ReadonlyMap<number, ConfiguredAt & { controller?: ColdControllerModel }>;
}): (address: number) => Promise<ScanAnswer> {
  const request = (req: ModbusRequest) =>
    modbusRtuAdapter.request(req, { baud: o.baudRate, timeoutMs: o.timeoutMs, priority: "poll" });
  return async (address) => {
    const at = o.configured.get(address);
    const model = at?.controller;
    const first: ModbusRequest = model
      ? firstRead(model, address)
      : { kind: "readInput", unit: address, address: 0, quantity: 1 };
    const r = await ask(o.master, { ...request(first), target: `probe@${address}` });
    if ("silent" in r) return notAnswered(address, r.garbledBytes, at, "modbus-rtu");
    const who = at ? { device: at.device, model: at.model } : {};
    if (r.reply.kind === "exception") {
      const why = EXCEPTION_NAMES[r.reply.code] ?? `exception ${r.reply.code}`;
      return {
        address,
        answered: true,
        status: "refused",
        ...who,
        detail: `a Modbus controller answers here but refuses the read (${why})${at ? `: check ${at.model}'s register map` : ""}`,
      };
    }
    if (!model) {
      const words = "values" in r.reply ? r.reply.values : [];
      return {
        address,
        answered: true,
        status: "ok",
        detail: `a Modbus controller answers here (not in the config); input register 0 reads ${words[0] ?? "?"}`,
        report: { inputRegister0: words[0] ?? null },
      };
    }
    const channels: Record<string, unknown>[] = [];
    for (let ch = 0; ch < model.channels; ch++)
      channels.push(await readChannel(o.master, request, model, address, ch));
    const text = channels
      .map((c, i) => `ch ${i}: ${c.temperature === null ? "probe fault" : `${c.temperature} °C`}`)
      .join(", ");
    return {
      address,
      answered: true,
      status: "ok",
      ...who,
      detail: `${model.id} controller of ${at!.device}, ${model.channels} channel(s): ${text}`,
      report: { channels },
    };
  };
}

function firstRead(model: ColdControllerModel, unit: number): ModbusRequest {
  const p = planReads(model, 0)[0]!;
  return p.fn === FN.READ_HOLDING
    ? { kind: "readHolding", unit, address: p.start, quantity: p.count }
    : { kind: "readInput", unit, address: p.start, quantity: p.count };
}

/** Every mapped value of one channel (null: a sentinel, a refusal or no answer to that read). */
async function readChannel(
  master: BusMaster<ModbusMessage>,
  request: (r: ModbusRequest) => BusRequest<ModbusMessage>,
  model: ColdControllerModel,
  unit: number,
  channel: number,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { channel };
  for (const plan of planReads(model, channel)) {
    const req: ModbusRequest =
      plan.fn === FN.READ_HOLDING
        ? { kind: "readHolding", unit, address: plan.start, quantity: plan.count }
        : { kind: "readInput", unit, address: plan.start, quantity: plan.count };
    const r = await ask(master, { ...request(req), target: `probe@${unit}` });
    const words = "reply" in r && "values" in r.reply ? r.reply.values : undefined;
    for (const v of plan.values) {
      if (!words) {
        out[v.name] = null;
        continue;
      }
      const at = v.spec.register - plan.start;
      const d = decodeValue(v.spec, words.slice(at, at + wordCount(v.spec.type)));
      out[v.name] = d.fault ? null : d.value;
    }
  }
  return out;
}
