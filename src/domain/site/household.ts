/**
 * One household id rule for the whole gateway (distribution rounds' bundles, rationed vending's
 * pay-first sessions): the id the platform gives a household is read as Unicode NFKC (a fullwidth
 * `Ｂ２` is `B2`), trimmed, and must then be 1-64 characters, a letter or digit first, then
 * letters, digits, `.`, `_`, `:` or `-` (ASCII). It is compared case-insensitively and stored in
 * one canonical form, lower case, so `B2-1101`, `b2-1101 ` and `ｂ２-１１０１` are one household.
 * Anything else (control characters, zero-width or look-alike characters, spaces inside) is no
 * household id: the caller refuses it with QH_COMMAND_INVALID naming the argument.
 */

/** The pattern a household id matches after NFKC and trimming. */
export const HOUSEHOLD_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The rule in words, for error messages. */
export const HOUSEHOLD_RULE =
  "1-64 characters: a letter or digit, then letters, digits, '.', '_', ':' or '-' (ASCII; compared case-insensitively)";

/** The canonical form of a household id (NFKC, trimmed, lower case), or undefined if it is none. */
export function parseHousehold(raw: unknown): string | undefined {
  if (typeof raw !== "string" || raw.length > 256) return undefined;
  const s = raw.normalize("NFKC").trim();
  return HOUSEHOLD_PATTERN.test(s) ? s.toLowerCase() : undefined;
}
