import { randomFillSync } from "node:crypto";

/**
 * Event and command ids: UUIDv7 (RFC 9562: 48-bit Unix milliseconds, version 7, 74 random bits),
 * time-ordered and globally unique. Hand-written for the hot loop: random bytes come from a pooled
 * buffer (one getrandom call per 400 ids instead of one per id).
 *
 * Never backwards in this process: a timestamp before the last one used (the wall clock stepped
 * back) is replaced by the last one (RFC 9562 §6.2: the timestamp may be held back to keep order),
 * and within one millisecond the 12-bit `rand_a` field counts up from a random start (§6.2,
 * method 1, a fixed-length dedicated counter); when it overflows the timestamp moves on by 1 ms.
 */
const POOL = Buffer.allocUnsafe(4096);
let pos = POOL.length;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

let lastMs = 0;
let counter = 0;

export function newId(at: number = Date.now()): string {
  if (pos + 10 > POOL.length) {
    randomFillSync(POOL);
    pos = 0;
  }
  const r = pos;
  pos += 10;
  let now = Math.floor(at);
  if (now > lastMs) {
    lastMs = now;
    counter = ((POOL[r]! & 0x07) << 8) | POOL[r + 1]!; // start in the lower half: room to count
  } else {
    now = lastMs;
    counter++;
    if (counter > 0xfff) {
      lastMs = ++now;
      counter = 0;
    }
  }
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
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 0xff]! +
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
