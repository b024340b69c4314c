/**
 * CRC-16/ARC as EVA-DTS uses it for the `G85` segment: reflected polynomial 0xA001 (0x8005
 * reversed), initial value 0, no final XOR. Source: PROTOCOLS.md §10, checked against public example
 * files (see firmware-protocols/dex-ucs/SPEC.md, "G85").
 */

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * Continue a CRC-16/ARC over `bytes` from `crc` (0 to start).
 * @returns the CRC, 0..0xFFFF. Check value: "123456789" → 0xBB3D.
 */
export function crc16Arc(bytes: Uint8Array, crc = 0): number {
  let c = crc;
  for (const b of bytes) c = (c >>> 8) ^ TABLE[(c ^ b) & 0xff]!;
  return c;
}

/** The CRC of text (latin1: DEX files are 8-bit ASCII) as 4 upper-case hex digits, as G85 prints it. */
export function crcHex(text: string): string {
  return crc16Arc(Buffer.from(text, "latin1")).toString(16).toUpperCase().padStart(4, "0");
}
