/**
 * The lots the platform may name per bundle in `distribution.load` (`lots: [{ gtin, lot, expiry?,
 * quantity? }]`, at most {@link MAX_LOTS_PER_BUNDLE}), read with the GS1 wrapper's rules: a GTIN
 * of 8, 12, 13 or 14 digits with a right check digit (kept as 14), a lot of 1-20 GS1 characters,
 * an expiry YYYY-MM-DD that is a real date, a quantity 1-100000 (default 1). They are recorded
 * with the round (src/domain/trace/bundles.ts) so `trace.lot`/`trace.recall` name the bundle.
 */
import { isJsonObject } from "../../core/envelope.js";
import type { PlannedLot } from "../trace/bundles.js";
import { checkLotInput } from "../trace/service.js";

export type { PlannedLot };

export const MAX_LOTS_PER_BUNDLE = 50;
/**
 * At most this many lots in one `distribution.load` (all its bundles together): the command's
 * checks and inserts run in one transaction that holds the event loop (about 15 µs a lot), so a
 * command of 2,000 bundles and this many lots stays within ~200 ms on a small gateway.
 */
export const MAX_LOTS_PER_LOAD = 4000;
const FIELDS = ["gtin", "lot", "expiry", "quantity"];

/** A real calendar date YYYY-MM-DD (year 0001-9999; by arithmetic: a load checks thousands). */
function isDate(v: unknown): v is string {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const y = Number(v.slice(0, 4));
  const m = Number(v.slice(5, 7));
  const d = Number(v.slice(8, 10));
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
  return d <= days;
}

/** GTIN and lot as checkLotInput reads them, or its problems; kept per pair (a load repeats its lots). */
type LotIdRead = { id: { gtin: string; lot: string } } | { problems: string[] };
const lotIdReads = new Map<string, LotIdRead>();

function readLotId(gtin: unknown, lot: unknown): LotIdRead {
  const key = typeof gtin === "string" && typeof lot === "string" ? `${gtin}\u0000${lot}` : undefined;
  const kept = key === undefined ? undefined : lotIdReads.get(key);
  if (kept) return kept;
  let r: LotIdRead;
  try {
    r = { id: checkLotInput(gtin, lot) };
  } catch (err) {
    r = {
      problems: ((err as { details?: { problems?: string[] } }).details?.problems ?? [
        (err as Error).message,
      ]) as string[],
    };
  }
  if (key !== undefined) {
    if (lotIdReads.size >= 10_000) lotIdReads.clear();
    lotIdReads.set(key, r);
  }
  return r;
}

/**
 * Why the `bundles` of a `distribution.load` name too many lots together (more than
 * {@link MAX_LOTS_PER_LOAD}), or undefined. Counted before any lot is read, so a refused command
 * costs no more than an accepted one.
 */
export function tooManyLots(bundles: readonly unknown[]): string | undefined {
  let n = 0;
  for (const b of bundles) if (isJsonObject(b) && Array.isArray(b.lots)) n += b.lots.length;
  return n > MAX_LOTS_PER_LOAD
    ? `name at most ${MAX_LOTS_PER_LOAD} lots in one command, all bundles together (these name ${n}): send the bundles in more than one distribution.load`
    : undefined;
}

/**
 * `bundles[i].lots`: every problem added through `add(arg, why)` (arg relative to args), the lots
 * read otherwise (undefined when absent or wrong).
 */
export function parseBundleLots(
  value: unknown,
  at: string,
  add: (arg: string, why: string) => void,
): PlannedLot[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_LOTS_PER_BUNDLE) {
    add(
      `${at}.lots`,
      `must be an array of at most ${MAX_LOTS_PER_BUNDLE} lots { gtin, lot, expiry?, quantity? }`,
    );
    return undefined;
  }
  const out: PlannedLot[] = [];
  let bad = false;
  value.forEach((l: unknown, j: number) => {
    const here = `${at}.lots[${j}]`;
    if (!isJsonObject(l)) {
      add(here, "must be an object { gtin, lot, expiry?, quantity? }");
      bad = true;
      return;
    }
    for (const k of Object.keys(l))
      if (!FIELDS.includes(k)) {
        add(`${here}.${k}`, `unknown field (${FIELDS.join(", ")})`);
        bad = true;
      }
    const read = readLotId(l.gtin, l.lot);
    const id = "id" in read ? read.id : undefined;
    if ("problems" in read) {
      for (const p of read.problems) {
        const [field, ...why] = p.split(": ");
        add(`${here}.${field}`, why.join(": "));
      }
      bad = true;
    }
    if (l.expiry !== undefined && !isDate(l.expiry)) {
      add(`${here}.expiry`, "must be a date YYYY-MM-DD");
      bad = true;
    }
    const q = l.quantity;
    if (q !== undefined && (typeof q !== "number" || !Number.isInteger(q) || q < 1 || q > 100_000)) {
      add(`${here}.quantity`, "must be a whole number 1-100000");
      bad = true;
    }
    if (id)
      out.push({
        ...id,
        ...(typeof l.expiry === "string" ? { expiry: l.expiry } : {}),
        ...(typeof q === "number" ? { quantity: q } : {}),
      });
  });
  return bad ? undefined : out;
}

/** In the round's load: why the lots named for `b` may not be loaded (recalled, expired), one line each. */
export function lotProblems(
  ctx: { lots?: { problem(lot: PlannedLot): string | undefined } },
  b: { lots?: PlannedLot[] },
  at: string,
  /** the hook's answers kept for the whole load ({@link lotProblemMemo}) */
  memo?: (lot: PlannedLot) => string | undefined,
): string[] {
  if (!b.lots) return [];
  if (!ctx.lots) return [`${at}.lots: this gateway records no lots (no locker or vending trace part)`];
  const out: string[] = [];
  b.lots.forEach((l, j) => {
    const why = memo ? memo(l) : ctx.lots?.problem(l);
    if (why) out.push(`${at}.lots[${j}]: ${why}`);
  });
  return out;
}

/**
 * The `problem` hook of `ctx` answered once per lot (GTIN, lot, expiry) for a whole load, where
 * the same lot is often named for hundreds of bundles; pass it to {@link lotProblems}.
 */
export function lotProblemMemo(ctx: {
  lots?: { problem(lot: PlannedLot): string | undefined };
}): (lot: PlannedLot) => string | undefined {
  const answers = new Map<string, string | undefined>();
  return (l) => {
    const key = `${l.gtin}\u0000${l.lot}\u0000${l.expiry ?? ""}`;
    if (!answers.has(key)) answers.set(key, ctx.lots?.problem(l));
    return answers.get(key);
  };
}
