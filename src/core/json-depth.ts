/**
 * Nesting-depth limits for JSON from outside (device payloads, platform commands).
 *
 * V8's JSON.parse is iterative, but JSON.stringify, schema validation and other walks of the
 * parsed value recurse: a value nested ~10,000 deep ends in "Maximum call stack size exceeded".
 * Both checks here are iterative, linear and allocation-free (text) or bounded (value).
 */

/** Deepest nesting accepted from a device or the platform: objects and arrays, 32 levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when JSON text nests objects/arrays deeper than `limit` (`{}` is depth 1). Counts brackets
 * outside strings, honouring backslash escapes; does not validate the JSON (JSON.parse does).
 * @param text JSON text (a string, or its UTF-8 bytes: multi-byte sequences never hold ASCII bytes)
 */
export function jsonTextTooDeep(text: string | Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text === "string" ? undefined : text;
  const n = text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < n; i++) {
    const c = bytes ? bytes[i]! : (text as string).charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * True when a parsed JSON value nests objects/arrays deeper than `limit` (`{}` is depth 1).
 * Iterative: safe on any depth.
 */
export function jsonValueTooDeep(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, d + 1]);
    }
  }
  return false;
}
