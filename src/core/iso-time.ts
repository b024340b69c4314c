/**
 * Times given at an edge (platform command arguments, API queries): ISO 8601 / RFC 3339 text
 * with a zone, or epoch milliseconds. `Date.parse` alone accepts impossible calendar dates and
 * rolls them over (2027-02-30 → 2 March, 31 April → 1 May), and `new Date(9e15).toISOString()`
 * throws a RangeError later, far from the input: both are refused here, where the input is read.
 */

/**
 * Date, then optional time with seconds and fraction, then the zone (Z or ±hh:mm; ±hhmm too
 * when `compactOffset`). Groups: 1 year, 2 month, 3 day, 4 hour, 5 minute, 6 second, 7 zone.
 */
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** The earliest epoch accepted (2000-01-01T00:00:00Z): a smaller number is seconds, not ms, or a mistake. */
export const MIN_EPOCH_MS = 946_684_800_000;
/** The latest epoch accepted (9999-12-31T23:59:59.999Z): the last instant ISO 8601 text of 4-digit years holds. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

export interface IsoTimeOptions {
  /** accept a date alone (read as UTC midnight); default false: a date-time with a zone is required */
  dateOnly?: boolean;
  /** require seconds (RFC 3339 date-time); default false */
  seconds?: boolean;
}

/**
 * The epoch ms of `v`, an ISO 8601 time with a zone whose fields name a real instant (month
 * 1-12, a day the month has, hour ≤ 23, minute and second ≤ 59), or undefined.
 */
export function parseIsoTime(v: unknown, o: IsoTimeOptions = {}): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = ISO_RE.exec(v);
  if (!m) return undefined;
  if (m[4] === undefined && !o.dateOnly) return undefined;
  if (m[4] !== undefined && m[7] === undefined) return undefined;
  if (o.seconds && m[4] !== undefined && m[6] === undefined) return undefined;
  // ±hhmm without the colon: only in the forms that allowed it before (dateOnly readers)
  if (m[7] && m[7] !== "Z" && !m[7].includes(":") && !o.dateOnly) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59))
    return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * An instant given as ISO 8601 text (parseIsoTime) or integer epoch milliseconds, within
 * [MIN_EPOCH_MS, MAX_EPOCH_MS] either way (so it is written back as valid RFC 3339), or undefined.
 */
export function parseInstant(v: unknown): number | undefined {
  const ms = typeof v === "number" ? (Number.isInteger(v) ? v : undefined) : parseIsoTime(v);
  return ms !== undefined && ms >= MIN_EPOCH_MS && ms <= MAX_EPOCH_MS ? ms : undefined;
}
