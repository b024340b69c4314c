/**
 * CRC-16/MODBUS: initial value 0xFFFF, reflected polynomial 0xA001 (0x8005 reversed), no final
 * XOR; sent low byte first (PROTOCOLS.md §3; Modbus over Serial Line V1.02, §6.2.2). Checked:
 * `01 03 00 00 00 01` → `84 0A`.
 */
import { crc16A001 } from "../crc16.js";

/** CRC-16/MODBUS of bytes [start, end), as a number (low byte goes first on the wire). */
export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc16A001(buf, 0xffff, start, end);
}

/** `body` with its CRC appended (low byte, then high byte). */
export function withCrc(body: Uint8Array): Buffer {
  const out = Buffer.alloc(body.length + 2);
  out.set(body, 0);
  out.writeUInt16LE(crc16(body), body.length);
  return out;
}

/** Whether the last two bytes of `frame` are the CRC of the bytes before them. */
export function crcOk(frame: Uint8Array, length = frame.length): boolean {
  if (length < 4) return false;
  const crc = crc16(frame, 0, length - 2);
  return frame[length - 2] === (crc & 0xff) && frame[length - 1] === crc >>> 8;
}
