/**
 * GS1 element strings as a scanner sends them (GS1-128, GS1 DataMatrix, GS1 QR, GS1 DataBar):
 * `]C1 01 04012345678901 10 LOT42 <GS> 17 260600`. The application identifiers (which AI, fixed
 * or variable length, how long) are split by the library `gs1-barcode-parser-mod` (its AI table
 * covers 226 AIs, 2-, 3- and 4-digit; the choice is argued in
 * firmware-protocols/gs1-element-strings/SPEC.md); this wrapper adds what a gateway must not get
 * wrong and the library leaves out or does its own way:
 *
 * - the group separator: a configured replacement character (`trace.gs1.separator`, for
 *   scanners that rewrite GS) is read as GS; a leading, trailing or doubled GS is dropped;
 * - the symbology identifier (`]C1`, `]d2`, `]Q3`, `]e0`, `]J1`) is named and stripped; any other
 *   identifier (`]C0` plain Code 128, `]E0` EAN-13 read as such) is not a GS1 element string;
 * - check digits of GTIN (01)/(02) and SSCC (00) (GS1 mod-10): the library does not check them;
 * - dates (11, 13, 15, 16, 17) are read from their six digits here: month 01-12, day 00 meaning
 *   the last day of the month (GS1 General Specifications §3.4.x), a day past the month's end
 *   refused (the library rolls 261332 over to 2027-02-01), and the century by GS1's sliding
 *   window (§7.12) from the year the caller gives (the gateway's clock, not the process's);
 * - variable-length values must be GS1 character set 82: a character outside it (`|`, `~`, `#`…)
 *   is most often a rewritten separator: QH_GS1_SEPARATOR names it;
 * - run-ons: a (10)/(21) that ran to the end of the text (no GS after it) and whose tail reads
 *   as valid elements (any AI: `MILK010521SN42` = MILK0105 + (21) SN42), or that ends like a
 *   date AI (`…17260600`), is kept as scanned, warned about and listed in `runOns` with its
 *   possible true values (the scanner may have dropped the separator: Bark-JS #8, biip #137).
 *
 * Errors: QH_GS1_INVALID (not a GS1 element string), QH_GS1_CHECK_DIGIT, QH_GS1_SEPARATOR,
 * QH_GS1_DATE.
 */
import { parseBarcode } from "gs1-barcode-parser-mod";
import { QhError } from "../../core/errors.js";

export const GS = "\x1d";

/** AIM symbology identifiers of GS1 symbols (ISO/IEC 15424; GS1 General Specifications §5.1.2). */
export const GS1_SYMBOLOGIES: Readonly<Record<string, string>> = {
  "]C1": "GS1-128",
  "]d2": "GS1 DataMatrix",
  "]Q3": "GS1 QR Code",
  "]e0": "GS1 DataBar",
  "]J1": "GS1 DotCode",
};

/** GS1 AI encodable character set 82 (General Specifications §7.11, figure 7.11-1). */
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;

/** Characters that can never be in a GS1 value: safe as a stand-in for GS (and the usual ones). */
export function isSafeSeparator(c: string): boolean {
  return c.length === 1 && c !== "(" && !CSET82.test(c) && c.charCodeAt(0) > 0x20 && c.charCodeAt(0) < 0x7f;
}

const DATE_AIS = new Set(["11", "12", "13", "15", "16", "17"]);
const CHECKED_KEYS: Readonly<Record<string, number>> = { "00": 18, "01": 14, "02": 14 };
/**
 * Longest values of the variable-length AIs a lot or item is traced by (GS1 General
 * Specifications, the AI table: (10) batch/lot X..20, (21) serial X..20, (22) X..20, (240) and
 * (241) X..30, (250) and (251) X..30). The parser library does not hold values to them: a scanner
 * that drops the separator makes a lot swallow the next fields, and a lot over its length could
 * never be looked up by `trace lot` (which takes 1 to 20 characters).
 */
const MAX_LENGTH: Readonly<Record<string, number>> = {
  "10": 20,
  "21": 20,
  "22": 20,
  "240": 30,
  "241": 30,
  "250": 30,
  "251": 30,
};

export interface Gs1Options {
  /** the printable character the scanner writes instead of GS (config trace.gs1.separator) */
  separator?: string;
  /** the current year, for the century of two-digit years (default: the year of `Date.now()`) */
  year?: number;
}

export interface Gs1Element {
  ai: string;
  title: string;
  /** the value as carried (digits, text); a date as YYYY-MM-DD */
  value: string;
  raw: string;
}

export interface Gs1Scan {
  /** "GS1-128", "GS1 DataMatrix", … ; "none" without an identifier; "HRI" for "(01)…" text */
  symbology: string;
  elements: Gs1Element[];
  gtin?: string;
  lot?: string;
  /** (17) as YYYY-MM-DD, day 00 already the month's last day */
  expiry?: string;
  /** (15) best before, YYYY-MM-DD */
  bestBefore?: string;
  /** (11) production date, YYYY-MM-DD */
  production?: string;
  serial?: string;
  /** (30) or (37): a count of items */
  count?: number;
  /** true when a separator replacement was applied */
  separatorReplaced: boolean;
  /** true: plausible but suspicious (e.g. a lot that swallowed a date) */
  warnings: string[];
  /**
   * (10)/(21) values that may have swallowed the elements after them because the scanner dropped
   * the group separator (`MILK010521SN42`: `prefix` "MILK0105", `swallowed` (21) SN42): one
   * entry per possible split (see `runOnsOf`), one warning per value.
   */
  runOns: Gs1RunOn[];
}

/** A possible true value of a (10)/(21) that ran on into the next elements. */
export interface Gs1RunOn {
  ai: string;
  /** the value as read */
  value: string;
  /** what the value would be had the scanner sent the separator */
  prefix: string;
  /** the rest of the value, read as element string */
  rest: string;
  swallowed: { ai: string; value: string; raw: string }[];
  /** (17) / (15) among the swallowed elements, YYYY-MM-DD */
  expiry?: string;
  bestBefore?: string;
}

/** GS1 mod-10 check digit of the digits before it (General Specifications §7.9.1). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * A GTIN as 14 digits (GTIN-8, -12, -13 padded with zeros) with a right check digit.
 * @throws QhError QH_GS1_INVALID (not 8/12/13/14 digits), QH_GS1_CHECK_DIGIT
 */
export function normalizeGtin(input: string): string {
  const s = input.trim();
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(s))
    throw new QhError("QH_GS1_INVALID", `GTIN ${JSON.stringify(input)}: must be 8, 12, 13 or 14 digits`);
  const gtin = s.padStart(14, "0");
  const want = gs1CheckDigit(gtin.slice(0, 13));
  if (Number(gtin[13]) !== want)
    throw new QhError("QH_GS1_CHECK_DIGIT", `GTIN ${s}: check digit ${gtin[13]}, expected ${want}`, {
      ai: "01",
      value: s,
      expected: want,
    });
  return gtin;
}

/**
 * A GS1 six-digit date YYMMDD as YYYY-MM-DD. Day 00 is the last day of the month; the century
 * follows GS1's sliding window (a year more than 50 ahead of `year` is last century's, more than
 * 49 behind is next century's).
 * @throws QhError QH_GS1_DATE
 */
export function gs1Date(ai: string, raw: string, year: number): string {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(raw);
  const bad = (why: string) => new QhError("QH_GS1_DATE", `(${ai}) ${raw}: ${why}`, { ai, raw });
  if (!m) throw bad("a date is six digits YYMMDD");
  const yy = Number(m[1]);
  const mm = Number(m[2]);
  const dd = Number(m[3]);
  const cur = year % 100;
  let century = year - cur;
  const diff = yy - cur;
  if (diff > 50) century -= 100;
  else if (diff < -49) century += 100;
  const y = century + yy;
  if (mm < 1 || mm > 12) throw bad(`month ${m[2]} is not 01-12`);
  const last = new Date(Date.UTC(y, mm, 0)).getUTCDate();
  if (dd > last) throw bad(`day ${m[3]} is past the end of ${y}-${m[2]} (${last} days)`);
  const day = dd === 0 ? last : dd;
  return `${y}-${m[2]}-${String(day).padStart(2, "0")}`;
}

/** Whether `text` is meant as a GS1 element string (an identifier, a GS, "(01)", or 01+14 digits). */
export function looksLikeGs1(text: string, o: Gs1Options = {}): boolean {
  if (typeof text !== "string" || text.length < 4) return false;
  if (text.slice(0, 3) in GS1_SYMBOLOGIES) return true;
  if (text.includes(GS) || (o.separator !== undefined && text.includes(o.separator))) return true;
  return /^\(\d{2,4}\)/.test(text) || /^(00\d{18}|0[12]\d{14})/.test(text);
}

/**
 * Parse what a scanner sent as a GS1 element string.
 * @throws QhError QH_GS1_INVALID, QH_GS1_CHECK_DIGIT, QH_GS1_SEPARATOR, QH_GS1_DATE (see the file's
 *   docstring); `details` names the AI and the value where there is one
 */
export function parseGs1(text: string, o: Gs1Options = {}): Gs1Scan {
  if (typeof text !== "string" || text.length === 0 || text.length > 256)
    throw new QhError("QH_GS1_INVALID", "a GS1 element string is 1-256 characters");
  let body = text;
  let separatorReplaced = false;
  if (o.separator !== undefined && body.includes(o.separator)) {
    body = body.split(o.separator).join(GS);
    separatorReplaced = true;
  }
  let symbology = "none";
  if (body.startsWith("]")) {
    const id = body.slice(0, 3);
    const name = GS1_SYMBOLOGIES[id];
    if (!name)
      throw new QhError(
        "QH_GS1_INVALID",
        `symbology identifier ${JSON.stringify(id)} is not a GS1 symbol (]C1, ]d2, ]Q3, ]e0, ]J1)`,
        { symbology: id },
      );
    symbology = name;
    body = body.slice(3);
  }
  // FNC1 in first position may come through as a GS; a doubled or trailing one separates nothing
  body = body
    .split(GS)
    .filter((part) => part.length > 0)
    .join(GS);
  if (body.startsWith("(")) symbology = symbology === "none" ? "HRI" : symbology;
  const stray = [...body].find((c) => c !== GS && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e));
  if (stray !== undefined)
    throw new QhError(
      "QH_GS1_INVALID",
      `byte 0x${stray.charCodeAt(0).toString(16).padStart(2, "0")} has no place in a GS1 element string`,
    );
  const year = o.year ?? new Date().getUTCFullYear();
  const scan: Gs1Scan = {
    symbology,
    elements: readElements(body, year, text),
    separatorReplaced,
    warnings: [],
    runOns: [],
  };
  const seen = new Map(scan.elements.map((e) => [e.ai, e.value]));
  const get = (ai: string) => seen.get(ai);
  scan.gtin = get("01");
  scan.lot = get("10");
  scan.expiry = get("17");
  scan.bestBefore = get("15");
  scan.production = get("11");
  scan.serial = get("21");
  const count = get("37") ?? get("30");
  if (count !== undefined) scan.count = Number(count);
  const last = scan.elements.at(-1);
  scan.elements.forEach((e, i) => {
    if (e.ai !== "10" && e.ai !== "21") return;
    const before = new Set(scan.elements.slice(0, i + 1).map((x) => x.ai));
    const found = runOnsOf(e, e === last, before, year);
    if (found.length === 0) return;
    scan.runOns.push(...found);
    const r = found[0] as Gs1RunOn;
    scan.warnings.push(
      `(${e.ai}) ${e.value} ends like ${r.swallowed.map((x) => `(${x.ai}) ${x.raw}`).join(" ")}: if the scanner drops the group separator, set trace.gs1.separator or configure the scanner to send GS${
        found.length > 1
          ? ` (the value may be any of ${found.map((x) => JSON.stringify(x.prefix)).join(", ")})`
          : ""
      }`,
    );
  });
  return scan;
}

/**
 * The elements of a body (GS between variable-length values), each checked.
 * @throws QhError as {@link parseGs1}
 */
function readElements(body: string, year: number, text: string): Gs1Element[] {
  let parsed: ReturnType<typeof parseBarcode>;
  try {
    parsed = parseBarcode(body);
  } catch (err) {
    const why = typeof err === "string" ? err : ((err as Error)?.message ?? String(err));
    throw new QhError("QH_GS1_INVALID", `not a GS1 element string: ${why}`, { text: printable(text) });
  }
  if (parsed.parsedCodeItems.length === 0)
    throw new QhError("QH_GS1_INVALID", "not a GS1 element string: no application identifier");
  const elements: Gs1Element[] = [];
  const seen = new Map<string, string>();
  for (const e of parsed.parsedCodeItems) {
    const raw = String(e.raw);
    if (raw.length === 0)
      throw new QhError(
        "QH_GS1_INVALID",
        `(${e.ai}) is empty: a value of at least one character must follow it`,
        {
          ai: e.ai,
        },
      );
    const max = MAX_LENGTH[e.ai];
    if (max !== undefined && raw.length > max)
      throw new QhError(
        "QH_GS1_INVALID",
        `(${e.ai}) ${JSON.stringify(raw)} is ${raw.length} characters long: at most ${max} (a missing group separator?)`,
        { ai: e.ai, value: raw, max },
      );
    let value = raw;
    if (DATE_AIS.has(e.ai)) value = gs1Date(e.ai, raw, year);
    else if (CHECKED_KEYS[e.ai] !== undefined) {
      const want = gs1CheckDigit(raw.slice(0, -1));
      if (Number(raw.at(-1)) !== want)
        throw new QhError(
          "QH_GS1_CHECK_DIGIT",
          `(${e.ai}) ${raw}: check digit ${raw.at(-1)}, expected ${want}`,
          { ai: e.ai, value: raw, expected: want },
        );
    } else if (typeof e.data === "string" && !CSET82.test(raw)) {
      const bad = [...raw].find((c) => !CSET82.test(c)) ?? "";
      throw new QhError(
        isSafeSeparator(bad) ? "QH_GS1_SEPARATOR" : "QH_GS1_INVALID",
        `(${e.ai}) ${JSON.stringify(raw)}: ${JSON.stringify(bad)} is not a GS1 character${
          isSafeSeparator(bad) ? " (a rewritten group separator?)" : ""
        }`,
        { ai: e.ai, value: raw, character: bad },
      );
    }
    const prior = seen.get(e.ai);
    if (prior !== undefined && prior !== value)
      throw new QhError("QH_GS1_INVALID", `(${e.ai}) given twice with different values`, { ai: e.ai });
    seen.set(e.ai, value);
    elements.push({ ai: e.ai, title: e.dataTitle, value, raw });
  }
  return elements;
}

/**
 * The ways a (10)/(21) value may be a shorter value with the next elements run on (a scanner
 * that dropped the group separator), the longest swallowed part first:
 * - the value ran to the end of the string (`ranToEnd`: no GS after it): every split point
 *   where the rest reads as valid elements of the parser's AI table (dates real, check digits
 *   right, GS1 characters), none of them an AI the scan already had up to this value;
 * - anywhere: a value ending like a date AI and YYMMDD (`…17260103`), also when the date is
 *   no real date (then `swallowed` holds it raw and no `expiry`).
 */
function runOnsOf(e: Gs1Element, ranToEnd: boolean, before: ReadonlySet<string>, year: number): Gs1RunOn[] {
  const out: Gs1RunOn[] = [];
  const v = e.value;
  for (let i = 1; i < v.length; i++) {
    const rest = v.slice(i);
    let swallowed: Gs1Element[] | undefined;
    if (ranToEnd && /^\d\d/.test(rest)) {
      try {
        swallowed = readElements(rest, year, rest);
        if (swallowed.some((x) => before.has(x.ai))) swallowed = undefined;
      } catch {
        swallowed = undefined;
      }
    }
    if (
      !swallowed &&
      i === v.length - 8 &&
      v.length > 8 &&
      /^1[1-7]\d{6}$/.test(rest) &&
      isDate(rest.slice(2))
    ) {
      let value: string;
      try {
        value = gs1Date(rest.slice(0, 2), rest.slice(2), year);
      } catch {
        value = rest.slice(2);
      }
      swallowed = [{ ai: rest.slice(0, 2), title: "", value, raw: rest.slice(2) }];
    }
    if (!swallowed) continue;
    const real = (ai: string) => {
      const x = swallowed?.find((s) => s.ai === ai);
      return x && /^\d{4}-\d\d-\d\d$/.test(x.value) ? x.value : undefined;
    };
    const expiry = real("17");
    const bestBefore = real("15");
    out.push({
      ai: e.ai,
      value: v,
      prefix: v.slice(0, i),
      rest,
      swallowed: swallowed.map((x) => ({ ai: x.ai, value: x.value, raw: x.raw })),
      ...(expiry ? { expiry } : {}),
      ...(bestBefore ? { bestBefore } : {}),
    });
  }
  return out;
}

function isDate(s: string): boolean {
  const mm = Number(s.slice(2, 4));
  const dd = Number(s.slice(4, 6));
  return mm >= 1 && mm <= 12 && dd <= 31;
}

/** The text with control characters shown as <GS>, <0x..> (for messages and logs). */
export function printable(text: string): string {
  return [...text]
    .map((c) => {
      const n = c.charCodeAt(0);
      if (n >= 0x20 && n < 0x7f) return c;
      return c === GS ? "<GS>" : `<0x${n.toString(16).padStart(2, "0")}>`;
    })
    .join("");
}

export { encodeGs1 } from "./gs1-encode.js";
