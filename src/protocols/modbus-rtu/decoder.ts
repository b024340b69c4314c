/**
 * Streaming decoder of Modbus RTU. RTU frames carry no length and no delimiter but silence, and a
 * software master does not see silences reliably (USB adapters deliver bytes in chunks), so the
 * decoder frames by length and CRC instead:
 *
 * - role "master" decodes what servers send. Before each write the bus master tells it the request
 *   (`expect`): the reply is then framed by the length that request implies (5 + 2n bytes for a
 *   read of n registers, 8 for a write, 5 for an exception) and must come from the unit asked, with
 *   the function asked (or its exception). Bytes that cannot start that reply are garbage: noise
 *   before a frame is skipped, a late reply from another unit is not taken for the one awaited.
 *   Without a request it frames by the read reply's byte count.
 * - role "server" decodes requests (for the simulator): 03/04/06 are 8 bytes, 16 is 9 + its byte
 *   count.
 *
 * A truncated frame stays buffered until the bus master's timeout resets the decoder, or until a
 * complete good frame is found inside it (ResyncFramer). See firmware-protocols/modbus-rtu/SPEC.md.
 */
import { type Attempt, ResyncFramer } from "../framer.js";
import type { DecodeResult, FrameDecoder } from "../types.js";
import { crcOk } from "./crc.js";
import { functionOf, isRequest, replyLength } from "./encode.js";
import { FN, type ModbusMessage, type ModbusRequest } from "./messages.js";

export interface ModbusDecoderOptions {
  /** "master" (default): decode replies; "server": decode requests. */
  role?: "master" | "server";
}

/** Longest RTU frame (the serial line ADU is at most 256 bytes). */
export const MAX_FRAME = 256;

const KNOWN = new Set<number>([FN.READ_HOLDING, FN.READ_INPUT, FN.WRITE_REGISTER, FN.WRITE_REGISTERS]);

const words = (buf: Buffer, from: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => buf.readUInt16BE(from + 2 * i));

function framed(buf: Buffer, length: number, decode: (f: Buffer) => ModbusMessage): Attempt<ModbusMessage> {
  if (buf.length < length) return { type: "need" };
  if (!crcOk(buf, length)) return { type: "checksum", length };
  return { type: "frame", length, msg: decode(buf.subarray(0, length)) };
}

function decodeReply(f: Buffer): ModbusMessage {
  const unit = f[0]!;
  const fn = f[1]!;
  if (fn & 0x80) return { kind: "exception", unit, function: fn & 0x7f, code: f[2]! };
  switch (fn) {
    case FN.READ_HOLDING:
      return { kind: "readHoldingReply", unit, values: words(f, 3, f[2]! / 2) };
    case FN.READ_INPUT:
      return { kind: "readInputReply", unit, values: words(f, 3, f[2]! / 2) };
    case FN.WRITE_REGISTER:
      return { kind: "writeRegisterReply", unit, address: f.readUInt16BE(2), value: f.readUInt16BE(4) };
    default:
      return { kind: "writeRegistersReply", unit, address: f.readUInt16BE(2), quantity: f.readUInt16BE(4) };
  }
}

function decodeRequest(f: Buffer): ModbusMessage {
  const unit = f[0]!;
  const address = f.readUInt16BE(2);
  switch (f[1]) {
    case FN.READ_HOLDING:
      return { kind: "readHolding", unit, address, quantity: f.readUInt16BE(4) };
    case FN.READ_INPUT:
      return { kind: "readInput", unit, address, quantity: f.readUInt16BE(4) };
    case FN.WRITE_REGISTER:
      return { kind: "writeRegister", unit, address, value: f.readUInt16BE(4) };
    default:
      return { kind: "writeRegisters", unit, address, values: words(f, 7, f[6]! / 2) };
  }
}

export class ModbusRtuDecoder implements FrameDecoder<ModbusMessage> {
  private readonly framer: ResyncFramer<ModbusMessage>;
  private readonly role: "master" | "server";
  private awaited: ModbusRequest | undefined;

  constructor(options: ModbusDecoderOptions = {}) {
    this.role = options.role ?? "master";
    this.framer = new ResyncFramer<ModbusMessage>({
      maxFrameLength: MAX_FRAME,
      maxBuffer: 2 * MAX_FRAME,
      isStart: (buf) => (this.role === "master" ? this.replyStart(buf) : requestStart(buf)),
      attempt: (buf) => (this.role === "master" ? this.attemptReply(buf) : attemptRequest(buf)),
    });
  }

  push(chunk: Buffer): DecodeResult<ModbusMessage>[] {
    return this.framer.push(chunk);
  }

  reset(): void {
    this.framer.reset();
  }

  /** The request just written (master role): its reply's unit, function and length frame what comes. */
  expect(request: ModbusMessage | undefined): void {
    this.awaited = request && isRequest(request) ? request : undefined;
  }

  private replyStart(buf: Buffer): boolean {
    const a = this.awaited;
    const unit = buf[0]!;
    if (a ? unit !== a.unit : unit < 1 || unit > 247) return false;
    if (buf.length < 2) return true;
    const fn = buf[1]!;
    if (a) {
      const want = functionOf(a);
      if (fn === (want | 0x80)) return true;
      if (fn !== want) return false;
      // a read's byte count must be the one asked for
      return !(
        buf.length >= 3 &&
        (a.kind === "readHolding" || a.kind === "readInput") &&
        buf[2] !== 2 * a.quantity
      );
    }
    if (fn & 0x80) return KNOWN.has(fn & 0x7f);
    if (!KNOWN.has(fn)) return false;
    if (buf.length >= 3 && (fn === FN.READ_HOLDING || fn === FN.READ_INPUT)) {
      const n = buf[2]!;
      return n >= 2 && n <= 250 && n % 2 === 0;
    }
    return true;
  }

  private attemptReply(buf: Buffer): Attempt<ModbusMessage> {
    if (buf.length < 3) return { type: "need" };
    const fn = buf[1]!;
    if (fn & 0x80) return framed(buf, 5, decodeReply);
    const a = this.awaited;
    if (a) return framed(buf, replyLength(a), decodeReply);
    if (fn === FN.READ_HOLDING || fn === FN.READ_INPUT) return framed(buf, 5 + buf[2]!, decodeReply);
    return framed(buf, 8, decodeReply);
  }
}

function requestStart(buf: Buffer): boolean {
  // broadcast (unit 0) is not served: no reply, and a 0 byte is too common in noise to resync on
  const unit = buf[0]!;
  if (unit < 1 || unit > 247) return false;
  if (buf.length < 2) return true;
  if (!KNOWN.has(buf[1]!)) return false;
  if (buf[1] === FN.WRITE_REGISTERS && buf.length >= 7) {
    const n = buf.readUInt16BE(4);
    return n >= 1 && n <= 123 && buf[6] === 2 * n;
  }
  return true;
}

function attemptRequest(buf: Buffer): Attempt<ModbusMessage> {
  if (buf.length < 2) return { type: "need" };
  if (buf[1] !== FN.WRITE_REGISTERS) return framed(buf, 8, decodeRequest);
  if (buf.length < 7) return { type: "need" };
  return framed(buf, 9 + buf[6]!, decodeRequest);
}

export function createModbusDecoder(options?: ModbusDecoderOptions): ModbusRtuDecoder {
  return new ModbusRtuDecoder(options);
}
