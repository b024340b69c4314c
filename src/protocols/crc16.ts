/**
 * The CRC-16 family on the reflected polynomial 0xA001 (0x8005 reversed), no final XOR, that two
 * of our protocols use with different initial values: Modbus RTU (CRC-16/MODBUS, init 0xFFFF) and
 * EVA-DTS DEX's `G85` (CRC-16/ARC, init 0). Catalogue: "CRC-16/ARC" and "CRC-16/MODBUS" in
 * Greg Cook's CRC RevEng catalogue (check values over "123456789": 0xBB3D and 0x4B37).
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
 * Continues the reflected 0xA001 CRC over bytes [start, end) from `crc`.
 * @returns 0..0xFFFF
 */
export function crc16A001(bytes: Uint8Array, crc: number, start = 0, end = bytes.length): number {
  let c = crc;
  for (let i = start; i < end; i++) c = (c >>> 8) ^ TABLE[(c ^ bytes[i]!) & 0xff]!;
  return c;
}
