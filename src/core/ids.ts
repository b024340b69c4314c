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
/** The two lower-case hex digits of each byte value, as character codes (low byte first). */
const HEX_CODES = Uint16Array.from({ length: 256 }, (_, i) => {
  const h = i.toString(16).padStart(2, "0");
  return h.charCodeAt(0) | (h.charCodeAt(1) << 8);
});
/** The canonical text of the last id encoded, built in place: hyphens stay where they are. */
const TEXT = Buffer.alloc(36, 0x2d);
const BYTES = new Uint8Array(16);

let lastMs = 0;
let counter = 0;

/** A new UUIDv7 in canonical form (lower-case, hyphenated), for the time `at` (epoch ms). */
export function newId(at: number = Date.now()): string {
  return newIdBytes(at, BYTES, 0);
}

/**
 * A new UUIDv7: its 16 bytes written to `out` at `offset` (what the outbox stores), and its
 * canonical text returned (what the envelope carries): ingest's hot path keeps both without
 * decoding the text back into bytes.
 * @param at the event's time, epoch ms
 * @throws RangeError when `out` has no 16 bytes at `offset`
 */
export function newIdBytes(at: number, out: Uint8Array, offset: number): string {
  if (!Number.isInteger(offset) || offset < 0 || offset + 16 > out.length)
    throw new RangeError(`no room for 16 bytes at offset ${offset} of ${out.length}`);
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
  out[offset] = (hi >>> 16) & 0xff;
  out[offset + 1] = (hi >>> 8) & 0xff;
  out[offset + 2] = hi & 0xff;
  out[offset + 3] = (lo >>> 16) & 0xff;
  out[offset + 4] = (lo >>> 8) & 0xff;
  out[offset + 5] = lo & 0xff;
  out[offset + 6] = 0x70 | (counter >>> 8); // version 7
  out[offset + 7] = counter & 0xff;
  out[offset + 8] = 0x80 | (POOL[r + 2]! & 0x3f); // variant 10
  for (let k = 3; k < 10; k++) out[offset + 6 + k] = POOL[r + k]!;
  return uuidText(out, offset);
}

/**
 * The canonical text (lower-case, hyphenated, 36 characters) of the 16-byte UUID at `offset` of
 * `bytes`: new ids here, stored ids when a row is read (src/store/event-row.ts `idFromBytes`).
 */
export function uuidText(bytes: Uint8Array, offset = 0): string {
  let j = 0;
  for (let k = 0; k < 16; k++) {
    if (k === 4 || k === 6 || k === 8 || k === 10) j++; // over a hyphen
    const c = HEX_CODES[bytes[offset + k]!]!;
    TEXT[j++] = c & 0xff;
    TEXT[j++] = c >>> 8;
  }
  return TEXT.toString("latin1", 0, 36);
}
