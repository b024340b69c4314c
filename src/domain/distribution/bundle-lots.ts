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
const FIELDS = ["gtin", "lot", "expiry", "quantity"];

/** A real calendar date YYYY-MM-DD. */
function isDate(v: unknown): v is string {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
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
    let id: { gtin: string; lot: string } | undefined;
    try {
      id = checkLotInput(l.gtin, l.lot);
    } catch (err) {
      const problems = ((err as { details?: { problems?: string[] } }).details?.problems ?? [
        (err as Error).message,
      ]) as string[];
      for (const p of problems) {
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
): string[] {
  if (!b.lots) return [];
  if (!ctx.lots) return [`${at}.lots: this gateway records no lots (no locker or vending trace part)`];
  const out: string[] = [];
  b.lots.forEach((l, j) => {
    const why = ctx.lots?.problem(l);
    if (why) out.push(`${at}.lots[${j}]: ${why}`);
  });
  return out;
}
