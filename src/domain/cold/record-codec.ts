/**
 * The temperature record's block encoding: pure functions over bytes, no I/O.
 *
 * A block holds N consecutive readings of one zone, in the order they were taken (their monotonic
 * sequence: `firstSeq + index`). The row beside the block carries the first reading's expected
 * time `t0` (epoch seconds) and the zone's poll `interval` (seconds). The bytes are a stream of
 * one-byte codes, each reading usually costing exactly one byte:
 *
 *   0x00–0xFA  a value: previous value + (code − 125), in 0.1 °C (−12.5 … +12.5 °C per reading)
 *   0xFB v     a value given absolutely: zig-zag varint of the value in 0.1 °C
 *   0xFC       a reading without a value (sensor fault or unreachable: a gap, never interpolated)
 *   0xFD f     the flags of this and the following readings change to `f` (see `FLAG_*`)
 *   0xFE d     this reading's time is off the expected one by `d` seconds (zig-zag varint; may be
 *              negative: a wall clock that stepped back is recorded as it was, never reordered)
 *
 * Escapes (0xFD, 0xFE) prefix the reading they apply to; a value code or 0xFC ends the reading.
 * Expected time = previous reading's time + interval (the first reading: t0). Times are whole
 * seconds; temperatures tenths of a degree (EN 12830 asks a resolution better than 0.5 °C).
 */

export const FLAG_SENSOR_FAULT = 1;
export const FLAG_UNREACHABLE = 2;
/** the wall clock was not synchronised (or had stepped back) when the reading was taken */
export const FLAG_CLOCK_UNSYNCED = 4;

const DELTA_BIAS = 125;
const ABS = 0xfb;
const NONE = 0xfc;
const FLAGS = 0xfd;
const TIME = 0xfe;

/** One reading as the record keeps it. */
export interface RawReading {
  /** epoch seconds (wall clock as read when the reading was taken) */
  ts: number;
  /** 0.1 °C (integer), or null for no value */
  v: number | null;
  /** FLAG_* bits */
  flags: number;
}

/** Grows a byte buffer; one per block encoding. */
class Bytes {
  buf = Buffer.allocUnsafe(1024);
  n = 0;
  push(b: number): void {
    if (this.n === this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next);
      this.buf = next;
    }
    this.buf[this.n++] = b;
  }
  varint(signed: number): void {
    // zig-zag, then 7 bits per byte, low first (values fit 2^31 comfortably: seconds, tenths)
    let z = signed >= 0 ? signed * 2 : -signed * 2 - 1;
    while (z >= 0x80) {
      this.push((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    this.push(z);
  }
}

/**
 * Encodes readings (in sequence order) as one block.
 * @param t0 expected time of the first reading (epoch s): the first reading's own time is best
 * @param interval poll interval, s (≥ 1)
 */
export function encodeBlock(readings: readonly RawReading[], t0: number, interval: number): Buffer {
  const out = new Bytes();
  let prevTs = t0 - interval;
  let prevV = 0;
  let flags = 0;
  for (const r of readings) {
    if (r.flags !== flags) {
      out.push(FLAGS);
      out.push(r.flags & 0xff);
      flags = r.flags;
    }
    const dt = r.ts - (prevTs + interval);
    if (dt !== 0) {
      out.push(TIME);
      out.varint(dt);
    }
    prevTs = r.ts;
    if (r.v === null) {
      out.push(NONE);
      continue;
    }
    const d = r.v - prevV;
    if (d >= -DELTA_BIAS && d <= DELTA_BIAS) out.push(d + DELTA_BIAS);
    else {
      out.push(ABS);
      out.varint(r.v);
    }
    prevV = r.v;
  }
  return Buffer.from(out.buf.subarray(0, out.n));
}

/**
 * Decodes a block, calling `each` per reading in sequence order (no array is built: an export of
 * a year streams block by block).
 * @throws Error when the bytes are not a block (truncated, unknown code)
 */
export function decodeBlock(
  data: Uint8Array,
  t0: number,
  interval: number,
  each: (index: number, ts: number, v: number | null, flags: number) => void,
): number {
  let i = 0;
  let index = 0;
  let ts = t0 - interval;
  let v = 0;
  let flags = 0;
  let shift = 0;
  const varint = (): number => {
    let z = 0;
    let mul = 1;
    for (;;) {
      if (i >= data.length) throw new Error("cold record: truncated varint");
      const b = data[i++]!;
      z += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  while (i < data.length) {
    const c = data[i++]!;
    if (c <= 0xfa) {
      v += c - DELTA_BIAS;
      ts += interval + shift;
      shift = 0;
      each(index++, ts, v, flags);
    } else if (c === ABS) {
      v = varint();
      ts += interval + shift;
      shift = 0;
      each(index++, ts, v, flags);
    } else if (c === NONE) {
      ts += interval + shift;
      shift = 0;
      each(index++, ts, null, flags);
    } else if (c === FLAGS) {
      if (i >= data.length) throw new Error("cold record: truncated flags");
      flags = data[i++]!;
    } else if (c === TIME) {
      shift = varint();
    } else throw new Error(`cold record: unknown code 0x${c.toString(16)}`);
  }
  return index;
}
