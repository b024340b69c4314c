/**
 * modbus-rtu: Modbus RTU over RS-485 for cold-room and locker temperature controllers (functions
 * 03, 04, 06, 16). Pure codec: frames, CRC, register values by a register map, line timing.
 * Spec and vectors: firmware-protocols/modbus-rtu/.
 */
export { crc16, crcOk, withCrc } from "./crc.js";
export { createModbusDecoder, MAX_FRAME, type ModbusDecoderOptions, ModbusRtuDecoder } from "./decoder.js";
export {
  describe,
  encode,
  functionOf,
  isReplyTo,
  isRequest,
  replyLength,
  requestLength,
} from "./encode.js";
export * from "./messages.js";
export * from "./registers.js";
export * from "./timing.js";

export const PROTOCOL_NAME = "modbus-rtu";
/** Usual default of controllers (PROTOCOLS.md §3; config DEFAULT_BAUD_RATES). */
export const DEFAULT_BAUD_RATE = 9600;
