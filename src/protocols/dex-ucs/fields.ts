/**
 * Field readers for DEX segments: integers, dates (YYMMDD and CCYYMMDD), times (HHMM, HHMMSS) and
 * the count/value pairs most audit segments carry. None throws: a field that is empty or absent is
 * `null`; one that is present but unreadable is `null` and a warning (through `warn`).
 */
import type { DexSegment, InitReset, Tally } from "./types.js";

export type Warn = (message: string) => void;

/** Field `i` (0-based, after the tag) as written, or null when absent or empty. */
export function str(seg: DexSegment, i: number): string | null {
  const v = seg.fields[i];
  return v === undefined || v === "" ? null : v;
}

/** Field `i` with its padding (spaces) removed, or null when absent or blank. */
export function trimmed(seg: DexSegment, i: number): string | null {
  const v = seg.fields[i]?.trim();
  return v ? v : null;
}

/**
 * Field `i` as a whole number, or null. Every numeric field this parser reads (counts, money,
 * prices, price lists, decimal places) is unsigned in EVA-DTS: a negative one (`PA2*-4*-1000`) is
 * a field error, warned as `negative_value` and read as null (the segment is kept as written; a
 * null counter is never used in the reconciliation).
 */
export function int(seg: DexSegment, i: number, warn: Warn): number | null {
  const v = seg.fields[i]?.trim();
  if (v === undefined || v === "") return null;
  if (/^\d{1,15}$/.test(v)) return Number(v);
  if (/^-\d{1,15}$/.test(v)) {
    warn(
      `line ${seg.line}: negative_value: ${seg.tag} field ${i + 1} "${v}" is negative (DEX counters are unsigned): ignored`,
    );
    return null;
  }
  warn(`line ${seg.line}: ${seg.tag} field ${i + 1} "${v}" is not a whole number`);
  return null;
}

/**
 * A DEX date as ISO `YYYY-MM-DD`: `CCYYMMDD` (8 digits) or `YYMMDD` (6 digits; 00–69 are read as
 * 20xx, 70–99 as 19xx). Null when absent or not a calendar date (warned).
 */
export function date(seg: DexSegment, i: number, warn: Warn): string | null {
  const v = seg.fields[i]?.trim();
  if (!v) return null;
  let y: number;
  let rest: string;
  if (/^\d{8}$/.test(v)) {
    y = Number(v.slice(0, 4));
    rest = v.slice(4);
  } else if (/^\d{6}$/.test(v)) {
    const yy = Number(v.slice(0, 2));
    y = yy < 70 ? 2000 + yy : 1900 + yy;
    rest = v.slice(2);
  } else {
    warn(`line ${seg.line}: ${seg.tag} field ${i + 1} "${v}" is not a YYMMDD or CCYYMMDD date`);
    return null;
  }
  const m = Number(rest.slice(0, 2));
  const d = Number(rest.slice(2, 4));
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || probe.getUTCDate() !== d) {
    warn(`line ${seg.line}: ${seg.tag} field ${i + 1} "${v}" is not a calendar date`);
    return null;
  }
  return `${String(y).padStart(4, "0")}-${rest.slice(0, 2)}-${rest.slice(2, 4)}`;
}

/** A DEX time `HHMM` or `HHMMSS` as `HH:MM` or `HH:MM:SS`; null when absent or invalid (warned). */
export function time(seg: DexSegment, i: number, warn: Warn): string | null {
  const v = seg.fields[i]?.trim();
  if (!v) return null;
  const m = /^([01]\d|2[0-3])([0-5]\d)([0-5]\d)?$/.exec(v);
  if (!m) {
    warn(`line ${seg.line}: ${seg.tag} field ${i + 1} "${v}" is not an HHMM or HHMMSS time`);
    return null;
  }
  return m[3] ? `${m[1]}:${m[2]}:${m[3]}` : `${m[1]}:${m[2]}`;
}

/** Four fields from `at`: value since init, count since init, value since reset, count since reset. */
export function valueFirst(seg: DexSegment, at: number, warn: Warn): InitReset {
  return {
    init: { value: int(seg, at, warn), count: int(seg, at + 1, warn) },
    reset: { value: int(seg, at + 2, warn), count: int(seg, at + 3, warn) },
  };
}

/** Four fields from `at`: count since init, value since init, count since reset, value since reset. */
export function countFirst(seg: DexSegment, at: number, warn: Warn): InitReset {
  return {
    init: { count: int(seg, at, warn), value: int(seg, at + 1, warn) },
    reset: { count: int(seg, at + 2, warn), value: int(seg, at + 3, warn) },
  };
}

/** An empty tally. */
export function noTally(): Tally {
  return { count: null, value: null };
}
