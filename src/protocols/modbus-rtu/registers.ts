/**
 * Register values by the register map of a device model (pure). Modbus registers are 16-bit words
 * with no type; a vendor's manual says what they hold. The map gives, per value: type (int16,
 * uint16, int32, uint32, float32), word order of 32-bit values, scale, unit, an optional bit of a
 * status word, and the sentinel values meaning "sensor fault".
 *
 * Field facts (PROTOCOLS.md §9): a negative temperature read as unsigned shows 65,5xx; 32767 is a
 * common "sensor fault" value; some controllers return values below -32000 as error codes.
 */
import { QhError } from "../../core/errors.js";

export const REGISTER_TYPES = ["int16", "uint16", "int32", "uint32", "float32"] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

/**
 * Word order of a 32-bit value: "high-first" (the most significant word at the lower address,
 * Modbus's big-endian habit, "ABCD") or "low-first" ("CDAB", common in controllers).
 */
export type WordOrder = "high-first" | "low-first";

/** Raw values (after the type, before the scale) meaning "sensor fault". */
export interface Sentinels {
  /** exact raw values, e.g. [32767, -32768] */
  values?: number[];
  /** any raw value below this, e.g. -32000 */
  below?: number;
  /** any raw value above this */
  above?: number;
}

/** Where a value lives and how to read it. */
export interface RegisterSpec {
  /** PDU address, 0-based (a manual's 30001/40001 is 0) */
  register: number;
  /** 3 = holding register (read/write), 4 = input register (read only) */
  function: 3 | 4;
  type: RegisterType;
  /** 32-bit types only; default "high-first" */
  wordOrder?: WordOrder;
  /** value = raw × scale (default 1), e.g. 0.1 for tenths of a degree */
  scale?: number;
  /** unit of the scaled value, e.g. "°C" (informational) */
  unit?: string;
  /** a flag in a status word: value = (raw >> bit) & 1 */
  bit?: number;
  sentinels?: Sentinels;
}

export interface DecodedValue {
  /** the scaled value; null for a sensor fault */
  value: number | null;
  /** the raw value after the type (signed for int16/int32) */
  raw: number;
  fault: boolean;
}

/** Registers a value of this type spans (1 or 2). */
export function wordCount(type: RegisterType): 1 | 2 {
  return type === "int16" || type === "uint16" ? 1 : 2;
}

function pair(spec: RegisterSpec, words: readonly number[]): [number, number] {
  const [a, b] = [words[0] ?? 0, words[1] ?? 0];
  return (spec.wordOrder ?? "high-first") === "high-first" ? [a, b] : [b, a];
}

/** The raw value of `words` (the spec's registers, in address order) by the spec's type. */
export function rawValue(spec: RegisterSpec, words: readonly number[]): number {
  const buf = Buffer.alloc(4);
  switch (spec.type) {
    case "uint16":
      return (words[0] ?? 0) & 0xffff;
    case "int16":
      buf.writeUInt16BE((words[0] ?? 0) & 0xffff, 0);
      return buf.readInt16BE(0);
    default: {
      const [hi, lo] = pair(spec, words);
      buf.writeUInt16BE(hi & 0xffff, 0);
      buf.writeUInt16BE(lo & 0xffff, 2);
      if (spec.type === "int32") return buf.readInt32BE(0);
      if (spec.type === "uint32") return buf.readUInt32BE(0);
      return buf.readFloatBE(0);
    }
  }
}

/** Whether a raw value is one of the spec's "sensor fault" values (a float NaN always is). */
export function isSentinel(spec: RegisterSpec, raw: number): boolean {
  if (Number.isNaN(raw) || !Number.isFinite(raw)) return true;
  const s = spec.sentinels;
  if (!s) return false;
  if (s.values?.includes(raw)) return true;
  if (s.below !== undefined && raw < s.below) return true;
  return s.above !== undefined && raw > s.above;
}

/** Scaled value, rounded to 6 decimals so that 0.1 steps read as 0.1 steps (-180 × 0.1 = -18). */
function scaled(raw: number, scale: number): number {
  return Math.round(raw * scale * 1e6) / 1e6;
}

const INT_RANGES: Readonly<Record<Exclude<RegisterType, "float32">, readonly [number, number]>> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

/** Decodes one value: type, word order, bit, sentinels, scale. */
export function decodeValue(spec: RegisterSpec, words: readonly number[]): DecodedValue {
  const raw = rawValue(spec, words);
  if (spec.bit !== undefined) return { value: (raw >> spec.bit) & 1, raw, fault: false };
  if (isSentinel(spec, raw)) return { value: null, raw, fault: true };
  return { value: scaled(raw, spec.scale ?? 1), raw, fault: false };
}

/**
 * The register words (address order) that hold `value` (in the spec's unit) by the spec's type,
 * word order and scale.
 * @throws QhError QH_MODBUS_VALUE when the value does not fit the type, or lands on a sentinel
 */
export function encodeValue(spec: RegisterSpec, value: number): number[] {
  const scale = spec.scale ?? 1;
  const fail = (why: string) =>
    new QhError("QH_MODBUS_VALUE", `${value}${spec.unit ? ` ${spec.unit}` : ""} cannot be written: ${why}`, {
      value,
      register: spec.register,
      type: spec.type,
      scale,
    });
  if (!Number.isFinite(value)) throw fail("not a number");
  const buf = Buffer.alloc(4);
  let raw: number;
  if (spec.type === "float32") {
    raw = value / scale;
    buf.writeFloatBE(raw, 0);
  } else {
    raw = Math.round(value / scale);
    const [min, max] = INT_RANGES[spec.type];
    if (raw < min || raw > max) throw fail(`outside ${spec.type} (${min}..${max}) at scale ${scale}`);
    if (spec.type === "int16") buf.writeInt16BE(raw, 0);
    else if (spec.type === "uint16") buf.writeUInt16BE(raw, 0);
    else if (spec.type === "int32") buf.writeInt32BE(raw, 0);
    else buf.writeUInt32BE(raw, 0);
  }
  if (isSentinel(spec, spec.type === "float32" ? buf.readFloatBE(0) : raw)) {
    throw fail("it is the register's sensor-fault value");
  }
  if (wordCount(spec.type) === 1) return [buf.readUInt16BE(0)];
  const hi = buf.readUInt16BE(0);
  const lo = buf.readUInt16BE(2);
  return (spec.wordOrder ?? "high-first") === "high-first" ? [hi, lo] : [lo, hi];
}
