/**
 * CRC-16/ARC as EVA-DTS uses it for the `G85` segment: reflected polynomial 0xA001 (0x8005
 * reversed), initial value 0, no final XOR. Source: PROTOCOLS.md §10, checked against public example
 * files (see firmware-protocols/dex-ucs/SPEC.md, "G85").
 */
import { crc16A001 } from "../crc16.js";

/**
 * Continue a CRC-16/ARC over `bytes` from `crc` (0 to start).
 * @returns the CRC, 0..0xFFFF. Check value: "123456789" → 0xBB3D.
 */
export function crc16Arc(bytes: Uint8Array, crc = 0): number {
  return crc16A001(bytes, crc);
}

/** The CRC of text (latin1: DEX files are 8-bit ASCII) as 4 upper-case hex digits, as G85 prints it. */
export function crcHex(text: string): string {
  return crc16Arc(Buffer.from(text, "latin1")).toString(16).toUpperCase().padStart(4, "0");
}
