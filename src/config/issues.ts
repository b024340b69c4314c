/**
 * Turning validation failures into installer-readable problems: a key path in the file's own terms
 * (`buses[0].devices[1].address`) and a reason that says what is expected.
 *
 * Shared by the config loader and the device-model loader, so both speak the same way.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from "ajv";
import { QhError } from "../core/errors.js";
import { isSecretKey } from "../core/redact.js";

/** One problem found in a config or device-model file. */
export interface ConfigIssue {
  /** Key path in the file, e.g. `buses[0].devices[1].address`; `""` for the whole file. */
  path: string;
  /** What is wrong and what is expected, e.g. `must be an integer from 0 to 65535, got 70000`. */
  message: string;
  /** Line in the file (1-based) of the offending value or of its parent, when known. */
  line?: number;
  /** Column (1-based), when known. */
  column?: number;
  /** The file the problem is in (device-model errors; config errors name the file in the message). */
  file?: string;
}

export type PathSegment = string | number;

/**
 * Custom schema keyword: the reason to give instead of ajv's generic one when a value fails its
 * `pattern`, `enum`, `const`, `format` or `not` keyword (e.g. the `uplink.url` message).
 */
export const MESSAGE_KEYWORD = "x-message";

/** An ajv instance as both loaders use it: all errors, defaults filled in, draft-07. */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
  });
  ajv.addKeyword({ keyword: MESSAGE_KEYWORD, schemaType: "string" });
  // an IANA time zone this system's Intl knows (trace.timeZone), checked with the schema so that
  // `config check` names it together with every other problem
  ajv.addFormat("time-zone", { type: "string", validate: isTimeZone });
  return ajv;
}

/** True when `Intl` of this Node knows the IANA zone `s` (e.g. Asia/Shanghai). */
export function isTimeZone(s: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: s });
    return true;
  } catch {
    return false;
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `["buses", 0, "devices", 1, "address"]` → `buses[0].devices[1].address`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (IDENT.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/**
 * Splits an ajv instancePath (a JSON pointer) into segments, using the data to tell list indices
 * from object keys that happen to be digits.
 */
export function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === "") return [];
  const out: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      const i = Number(key);
      out.push(i);
      node = node[i];
    } else {
      out.push(key);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** A short description of a value for "got …" in messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return "an empty value (nothing after the colon)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") {
    const s = v.length > 40 ? `${v.slice(0, 37)}...` : v;
    return `the text ${JSON.stringify(s)}`;
  }
  return String(v);
}

const TYPE_NAMES: Record<string, string> = {
  integer: "an integer (whole number)",
  number: "a number",
  string: "a string (text)",
  boolean: "true or false",
  object: "a mapping (key: value)",
  array: "a list",
  null: "empty",
};

/** Edit distance counting a swap of two neighbours as one edit ("prot" → "port"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i]![j] = v;
    }
  }
  return at(a.length, b.length);
}

/** The closest known key to a mistyped one, if it is close enough to be a typo. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function rangeText(schema: AnySchemaObject): string | undefined {
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum ?? schema.exclusiveMaximum;
  if (typeof schema.minimum === "number" && typeof schema.maximum === "number") {
    return `from ${schema.minimum} to ${schema.maximum}`;
  }
  if (typeof schema.exclusiveMinimum === "number" && max === undefined) return `greater than ${min}`;
  if (typeof schema.minimum === "number" && max === undefined) return `at least ${min}`;
  if (typeof schema.maximum === "number" && min === undefined) return `at most ${max}`;
  return undefined;
}

function kindOfNumber(schema: AnySchemaObject): string {
  return schema.type === "integer" ? "an integer" : "a number";
}

/** One ajv error → one issue (or none, for ajv's bookkeeping errors such as failed `if`). */
function toIssue(e: ErrorObject, data: unknown): { segments: PathSegment[]; message: string } | undefined {
  const segments = pointerToSegments(e.instancePath, data);
  const parent = (e.parentSchema ?? {}) as AnySchemaObject;
  const custom =
    typeof parent[MESSAGE_KEYWORD] === "string" ? (parent[MESSAGE_KEYWORD] as string) : undefined;
  // a secret's value is never echoed, not even a wrong one (a token YAML read as a number)
  const hidden = isSecretKey(segments.at(-1)) && e.data !== null && e.data !== undefined;
  const got = hidden ? "a value not shown here (a secret)" : describeValue(e.data);
  switch (e.keyword) {
    case "if":
      return undefined; // the failing `then` branch reports the real problem
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parent.properties ?? {}) as object);
      const guess = suggestKey(key, known);
      const hint = guess
        ? ` (did you mean "${guess}"?)`
        : known.length > 0 && known.length <= 14
          ? `; allowed keys here: ${known.join(", ")}`
          : "";
      return { segments: [...segments, key], message: `unknown key "${key}"${hint}` };
    }
    case "required": {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return { segments: [...segments, key], message: "is required" };
    }
    case "type": {
      const types = String((e.params as { type: string | string[] }).type)
        .split(",")
        .map((t) => TYPE_NAMES[t] ?? t);
      // YAML reads 01 as the number 1 and yes as true: text that looks like a number needs quotes
      const wanted = String(e.schema);
      // quoting helps only where the quoted text would be accepted (not for a value outside an enum)
      const allowed = (e.parentSchema as { enum?: unknown[] } | undefined)?.enum;
      const quote =
        wanted === "string" &&
        (typeof e.data === "number" || typeof e.data === "boolean") &&
        (allowed === undefined || allowed.includes(String(e.data)))
          ? '; put it in quotes to make it text, e.g. "01"'
          : (wanted === "integer" || wanted === "number") &&
              typeof e.data === "string" &&
              e.data.trim() !== "" &&
              Number.isFinite(Number(e.data))
            ? "; remove the quotes"
            : "";
      return { segments, message: `must be ${types.join(" or ")}, got ${got}${quote}` };
    }
    case "enum": {
      if (custom) return { segments, message: custom };
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const list = allowed.map((v) => (typeof v === "string" ? `"${v}"` : String(v))).join(", ");
      return { segments, message: `must be one of ${list}; got ${got}` };
    }
    case "const":
      return {
        segments,
        message: custom ?? `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`,
      };
    case "pattern":
    case "format":
      return { segments, message: custom ?? `must match ${JSON.stringify(e.schema)}; got ${got}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const range = rangeText(parent) ?? e.message ?? "is out of range";
      return { segments, message: `must be ${kindOfNumber(parent)} ${range}, got ${got}` };
    }
    case "minLength":
      return {
        segments,
        message:
          e.schema === 1 ? "must not be empty" : `must be at least ${String(e.schema)} characters long`,
      };
    case "maxLength":
      return { segments, message: `must be at most ${String(e.schema)} characters long` };
    case "minItems":
      return {
        segments,
        message: `must have at least ${String(e.schema)} ${e.schema === 1 ? "entry" : "entries"}`,
      };
    case "maxItems":
      return { segments, message: `must have at most ${String(e.schema)} entries` };
    case "uniqueItems": {
      const { i, j } = e.params as { i: number; j: number };
      return { segments, message: `must not repeat an entry (entries ${j} and ${i} are the same)` };
    }
    case "not":
    case "false schema":
      return { segments, message: custom ?? "is not allowed here" };
    default:
      return { segments, message: custom ?? e.message ?? `fails ${e.keyword}` };
  }
}

/** All ajv errors of one validation → de-duplicated issues, in the order ajv found them. */
export function ajvIssues(errors: readonly ErrorObject[] | null | undefined, data: unknown): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    const issue = toIssue(e, data);
    if (!issue) continue;
    const path = formatPath(issue.segments);
    const k = `${path}\u0000${issue.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ segments: issue.segments, path, message: issue.message });
  }
  return out;
}

/** An issue still carrying its raw segments, so a caller can locate it in the YAML source. */
export interface Issue extends ConfigIssue {
  segments: PathSegment[];
}

/** Validate `data` (mutated: defaults are filled in) and return the problems found. */
export function validateWith(validate: ValidateFunction, data: unknown): Issue[] {
  return validate(data) ? [] : ajvIssues(validate.errors, data);
}

/** `path: reason` (prefixed with the file for model files), or just the reason for a whole-file problem. */
export function issueLine(i: ConfigIssue): string {
  return [i.file, i.path, i.message].filter((s) => s !== undefined && s !== "").join(": ");
}

/**
 * The QH_CONFIG_INVALID error for a list of problems: a header line (`Invalid <what> (N problems):`),
 * then one `path: reason` per line.
 */
export function invalidConfig(what: string, issues: readonly ConfigIssue[]): QhError {
  const n = issues.length;
  const header = `Invalid ${what} (${n} problem${n === 1 ? "" : "s"}):`;
  const details = issues.map(({ path, message, line, column, file }) => ({
    path,
    message,
    ...(line !== undefined ? { line } : {}),
    ...(column !== undefined ? { column } : {}),
    ...(file !== undefined ? { file } : {}),
  }));
  return new QhError("QH_CONFIG_INVALID", [header, ...issues.map(issueLine)].join("\n"), details);
}
