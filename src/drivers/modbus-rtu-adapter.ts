/**
 * What the protocol-agnostic BusMaster needs to run a Modbus RTU line (like the lock-board
 * adapters beside this file): a decoder that frames each reply by the request it answers, the
 * line's timing, and requests built from messages.
 *
 *   ModbusRequest ─► exchange(): bytes + match + message (the decoder's expect())
 *   baud rate     ─► lineTiming(): the 3.5-character silence the bus master keeps between frames,
 *                    and the wire time a reply needs on top of the configured timeout
 *
 * One transaction at a time per line and dead targets backed off are the bus master's; the line
 * reopened after an unplug is SerialLink's (tests/integration/modbus/*.test.ts prove both on a
 * Modbus line).
 */
import type { Registry } from "prom-client";
import type { Logger } from "../core/logger.js";
import {
  createModbusDecoder,
  describe,
  encode,
  frameTimeMs,
  interFrameSilenceMs,
  isReplyTo,
  type ModbusMessage,
  type ModbusRequest,
  replyLength,
  requestLength,
} from "../protocols/modbus-rtu/index.js";
import type { FrameDecoder } from "../protocols/types.js";
import { BusMaster, type BusMasterOptions, type BusRequest } from "../southbound/serial/bus-master.js";
import type { SerialLink } from "../southbound/serial/link.js";
import type { Exchange } from "./lock-board-adapter.js";

export interface ModbusLineTiming {
  /**
   * the silence kept after every exchange before the next frame, ms: exact t3.5 (the bus master
   * waits it to the fraction of a ms, never less: precise-timer.ts)
   */
  interFrameGapMs: number;
  /** exact t3.5, ms (9600 baud 8N1: 3.65) */
  silenceMs: number;
}

export interface ModbusRtuAdapter {
  protocol: "modbus-rtu";
  createDecoder(): FrameDecoder<ModbusMessage>;
  describe(msg: ModbusMessage): string;
  /** Modbus servers never speak unasked: every unmatched frame is a stray (a late reply). */
  isUnsolicited(msg: ModbusMessage): boolean;
  exchange(req: ModbusRequest): Exchange<ModbusMessage>;
  /**
   * A bus request for `req`: target = the unit id; timeout = `timeoutMs` (the controller's time to
   * answer) plus the wire time of the request and of its reply at `baud`.
   */
  request(
    req: ModbusRequest,
    o: { baud: number; timeoutMs: number; priority?: "command" | "poll"; retries?: number; moves?: boolean },
  ): BusRequest<ModbusMessage>;
  /**
   * @param bitsPerChar bits of one character on this line: 10 for the 8N1 our serial transports
   *   open (default), 11 for 8E1, 8O1 or 8N2 (the spec's RTU character)
   */
  lineTiming(baud: number, bitsPerChar?: number): ModbusLineTiming;
}

/** Bits per character of the lines quarterhour opens (SerialPortTransport: 8 data bits, no parity, 1 stop). */
export const LINE_CHAR_BITS = 10;

/**
 * How long after a timeout a late reply is still waited out before the next request (ms): replies
 * carry no register address, so one arriving after the next request was written would be taken
 * as its answer (a reply for channel 0 read as channel 1).
 */
export const LATE_REPLY_GUARD_MS = 20;

/** The one Modbus RTU adapter (stateless). */
export const modbusRtuAdapter: ModbusRtuAdapter = {
  protocol: "modbus-rtu",
  createDecoder: () => createModbusDecoder({ role: "master" }),
  describe,
  isUnsolicited: () => false,
  exchange: (req) => ({ message: req, bytes: encode(req), match: (m) => isReplyTo(req, m) }),
  request(req, o) {
    const ex = this.exchange(req);
    const wire = frameTimeMs(requestLength(req) + replyLength(req), o.baud, LINE_CHAR_BITS);
    return {
      target: String(req.unit),
      bytes: ex.bytes,
      match: ex.match,
      message: ex.message,
      priority: o.priority ?? "command",
      timeoutMs: Math.ceil(o.timeoutMs + wire),
      ...(o.moves ? { moves: true } : { retries: o.retries }),
      describe: describe(req),
    };
  },
  lineTiming(baud, bitsPerChar = LINE_CHAR_BITS) {
    const silenceMs = interFrameSilenceMs(baud, bitsPerChar);
    // not rounded up to whole ms: the bus master's wait keeps fractions (a ceil cost 0.35 ms per
    // frame at 9600 baud, 16 frames a cycle of 8 controllers) and is never early
    return { silenceMs, interFrameGapMs: silenceMs };
  },
};

export interface ModbusBusOptions {
  link: SerialLink;
  baudRate: number;
  log: Logger;
  registry: Registry;
  /** the controller's time to answer, ms (config buses[].timeoutMs) */
  timeoutMs?: number;
  retries?: number;
  pollCycleMs?: number;
  backoff?: BusMasterOptions<ModbusMessage>["backoff"];
}

/** A BusMaster for a Modbus RTU line: the adapter's decoder, t3.5 between frames. */
export function createModbusBusMaster(o: ModbusBusOptions): BusMaster<ModbusMessage> {
  const a = modbusRtuAdapter;
  return new BusMaster<ModbusMessage>({
    id: o.link.id,
    link: o.link,
    decoder: a.createDecoder(),
    describe: a.describe,
    isUnsolicited: a.isUnsolicited,
    log: o.log,
    registry: o.registry,
    defaults: {
      timeoutMs: o.timeoutMs ?? 200,
      retries: o.retries ?? 2,
      interFrameGapMs: a.lineTiming(o.baudRate).interFrameGapMs,
      // after a timeout: t3.5 plus a guard for a controller's late reply still on its way
      flushAfterTimeoutMs: a.lineTiming(o.baudRate).interFrameGapMs + LATE_REPLY_GUARD_MS,
    },
    ...(o.pollCycleMs !== undefined ? { pollCycleMs: o.pollCycleMs } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
  });
}
