/** Encoding, length rules and log lines of Modbus RTU frames (pure). */
import { QhError } from "../../core/errors.js";
import { withCrc } from "./crc.js";
import {
  EXCEPTION_NAMES,
  FN,
  MAX_READ,
  MAX_WRITE,
  type ModbusMessage,
  type ModbusRequest,
} from "./messages.js";

function check(ok: boolean, what: string, msg: ModbusMessage): void {
  if (!ok) throw new QhError("QH_INTERNAL", `modbus-rtu: ${what} in ${describe(msg)}`, { msg });
}

const u16 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff;

function validate(msg: ModbusMessage): void {
  // 0 is broadcast (no reply): a master here always addresses one server
  check(Number.isInteger(msg.unit) && msg.unit >= 1 && msg.unit <= 247, "unit must be 1-247", msg);
  switch (msg.kind) {
    case "readHolding":
    case "readInput":
      check(u16(msg.address), "address must be 0-65535", msg);
      check(
        Number.isInteger(msg.quantity) && msg.quantity >= 1 && msg.quantity <= MAX_READ,
        "quantity 1-125",
        msg,
      );
      check(msg.address + msg.quantity <= 0x10000, "registers past 65535", msg);
      return;
    case "writeRegister":
    case "writeRegisterReply":
      check(u16(msg.address) && u16(msg.value), "address and value must be 0-65535", msg);
      return;
    case "writeRegisters":
      check(u16(msg.address), "address must be 0-65535", msg);
      check(msg.values.length >= 1 && msg.values.length <= MAX_WRITE, "1-123 values", msg);
      check(msg.values.every(u16), "values must be 0-65535 (raw words)", msg);
      return;
    case "readHoldingReply":
    case "readInputReply":
      check(
        msg.values.length >= 1 && msg.values.length <= MAX_READ && msg.values.every(u16),
        "1-125 raw words",
        msg,
      );
      return;
    case "writeRegistersReply":
      check(u16(msg.address) && msg.quantity >= 1 && msg.quantity <= MAX_WRITE, "address, quantity", msg);
      return;
    case "exception":
      check(
        msg.function >= 1 && msg.function < 0x80 && msg.code >= 1 && msg.code <= 0xff,
        "function, code",
        msg,
      );
      return;
  }
}

function words(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  for (const [i, v] of values.entries()) b.writeUInt16BE(v, i * 2);
  return b;
}

/**
 * The complete RTU frame (address, function, data, CRC low then high) of any message, requests and
 * replies alike (replies for the simulator). Throws QhError QH_INTERNAL on out-of-range fields.
 */
export function encode(msg: ModbusMessage): Buffer {
  validate(msg);
  const head = (fn: number, ...rest: Buffer[]) =>
    withCrc(Buffer.concat([Buffer.from([msg.unit, fn]), ...rest]));
  const two = (a: number, b: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt16BE(a, 0);
    x.writeUInt16BE(b, 2);
    return x;
  };
  switch (msg.kind) {
    case "readHolding":
      return head(FN.READ_HOLDING, two(msg.address, msg.quantity));
    case "readInput":
      return head(FN.READ_INPUT, two(msg.address, msg.quantity));
    case "writeRegister":
      return head(FN.WRITE_REGISTER, two(msg.address, msg.value));
    case "writeRegisters":
      return head(
        FN.WRITE_REGISTERS,
        two(msg.address, msg.values.length),
        Buffer.from([msg.values.length * 2]),
        words(msg.values),
      );
    case "readHoldingReply":
      return head(FN.READ_HOLDING, Buffer.from([msg.values.length * 2]), words(msg.values));
    case "readInputReply":
      return head(FN.READ_INPUT, Buffer.from([msg.values.length * 2]), words(msg.values));
    case "writeRegisterReply":
      return head(FN.WRITE_REGISTER, two(msg.address, msg.value));
    case "writeRegistersReply":
      return head(FN.WRITE_REGISTERS, two(msg.address, msg.quantity));
    case "exception":
      return head(msg.function | 0x80, Buffer.from([msg.code]));
  }
}

/** Function code of a request. */
export function functionOf(req: ModbusRequest): number {
  switch (req.kind) {
    case "readHolding":
      return FN.READ_HOLDING;
    case "readInput":
      return FN.READ_INPUT;
    case "writeRegister":
      return FN.WRITE_REGISTER;
    case "writeRegisters":
      return FN.WRITE_REGISTERS;
  }
}

/** Bytes of the normal reply to `req` (5 + 2n for a read, 8 for a write); an exception is 5. */
export function replyLength(req: ModbusRequest): number {
  return req.kind === "readHolding" || req.kind === "readInput" ? 5 + 2 * req.quantity : 8;
}

/** Bytes of `req` on the wire. */
export function requestLength(req: ModbusRequest): number {
  return req.kind === "writeRegisters" ? 9 + 2 * req.values.length : 8;
}

export function isRequest(msg: ModbusMessage): msg is ModbusRequest {
  return (
    msg.kind === "readHolding" ||
    msg.kind === "readInput" ||
    msg.kind === "writeRegister" ||
    msg.kind === "writeRegisters"
  );
}

/**
 * True when `reply` answers `req`: same unit, and the reply of its function (a read's reply with
 * the count asked for, a write's echo of address and value or quantity), or an exception for it.
 */
export function isReplyTo(req: ModbusRequest, reply: ModbusMessage): boolean {
  if (reply.unit !== req.unit) return false;
  switch (reply.kind) {
    case "exception":
      return reply.function === functionOf(req);
    case "readHoldingReply":
      return req.kind === "readHolding" && reply.values.length === req.quantity;
    case "readInputReply":
      return req.kind === "readInput" && reply.values.length === req.quantity;
    case "writeRegisterReply":
      return req.kind === "writeRegister" && reply.address === req.address && reply.value === req.value;
    case "writeRegistersReply":
      return (
        req.kind === "writeRegisters" && reply.address === req.address && reply.quantity === req.values.length
      );
    default:
      return false;
  }
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

/** One line for logs, e.g. "ReadHolding unit=1 addr=0x0000 n=2". */
export function describe(msg: ModbusMessage): string {
  switch (msg.kind) {
    case "readHolding":
    case "readInput":
      return `${msg.kind === "readHolding" ? "ReadHolding" : "ReadInput"} unit=${msg.unit} addr=${hex4(msg.address)} n=${msg.quantity}`;
    case "writeRegister":
    case "writeRegisterReply":
      return `${msg.kind === "writeRegister" ? "WriteRegister" : "WriteRegisterReply"} unit=${msg.unit} addr=${hex4(msg.address)} value=${msg.value}`;
    case "writeRegisters":
      return `WriteRegisters unit=${msg.unit} addr=${hex4(msg.address)} values=[${msg.values.join(",")}]`;
    case "readHoldingReply":
    case "readInputReply":
      return `${msg.kind === "readHoldingReply" ? "ReadHoldingReply" : "ReadInputReply"} unit=${msg.unit} values=[${msg.values.join(",")}]`;
    case "writeRegistersReply":
      return `WriteRegistersReply unit=${msg.unit} addr=${hex4(msg.address)} n=${msg.quantity}`;
    case "exception":
      return `Exception unit=${msg.unit} fn=${msg.function} code=${msg.code} (${EXCEPTION_NAMES[msg.code] ?? "unknown"})`;
  }
}
