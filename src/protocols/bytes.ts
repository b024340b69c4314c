/** Small byte helpers shared by the codecs (pure). */

/** "8A 01 01 11 9B" (upper case, space separated); for logs, specs and test vectors. */
export function toHex(buf: Uint8Array): string {
  return Array.from(buf, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
}

/** Parse "8A 01 01 11 9B", "8a0101119b" or "8A-01-01" into bytes; throws on odd or non-hex input. */
export function fromHex(hex: string): Buffer {
  const clean = hex.replace(/[\s:-]/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new TypeError(`not a hex byte string: ${JSON.stringify(hex)}`);
  }
  return Buffer.from(clean, "hex");
}

/** XOR of bytes [start, end). */
export function xor8(buf: Uint8Array, start = 0, end = buf.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= buf[i]!;
  return x;
}

/** Low byte of the sum of bytes [start, end). */
export function sum8(buf: Uint8Array, start = 0, end = buf.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += buf[i]!;
  return s & 0xff;
}

/** Locks 1..n whose bit (lock k = bit k-1) is set in mask. */
export function locksInMask(mask: number, count: number): number[] {
  const out: number[] = [];
  for (let lock = 1; lock <= count; lock++) if ((mask >>> (lock - 1)) & 1) out.push(lock);
  return out;
}

/** The mask with bit k-1 set for each lock k listed. */
export function maskOfLocks(locks: readonly number[]): number {
  let mask = 0;
  for (const lock of locks) mask |= 1 << (lock - 1);
  return mask >>> 0;
}
