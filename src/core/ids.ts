import { randomFillSync } from "node:crypto";

/**
 * Event and command ids: UUIDv7 (RFC 9562: 48-bit Unix milliseconds, version 7, 74 random bits),
 * time-ordered and globally unique. Hand-written for the hot loop: random bytes come from a pooled
 * buffer (one getrandom call per 400 ids instead of one per id).
 */
const POOL = Buffer.allocUnsafe(4096);
let pos = POOL.length;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function newId(now: number = Date.now()): string {
  if (pos + 10 > POOL.length) {
    randomFillSync(POOL);
    pos = 0;
  }
  const r = pos;
  pos += 10;
  const hi = Math.floor(now / 0x1000000); // top 24 bits of the 48-bit timestamp
  const lo = now % 0x1000000; // low 24 bits
  return (
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    HEX[(lo >>> 16) & 0xff]! +
    "-" +
    HEX[(lo >>> 8) & 0xff]! +
    HEX[lo & 0xff]! +
    "-" +
    HEX[0x70 | (POOL[r]! & 0x0f)]! +
    HEX[POOL[r + 1]!]! +
    "-" +
    HEX[0x80 | (POOL[r + 2]! & 0x3f)]! +
    HEX[POOL[r + 3]!]! +
    "-" +
    HEX[POOL[r + 4]!]! +
    HEX[POOL[r + 5]!]! +
    HEX[POOL[r + 6]!]! +
    HEX[POOL[r + 7]!]! +
    HEX[POOL[r + 8]!]! +
    HEX[POOL[r + 9]!]!
  );
}
