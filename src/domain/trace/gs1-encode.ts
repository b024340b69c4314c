/**
 * The other way round from gs1.ts's parser: an element string as a scanner sends it, for the
 * simulator (src/sim), the test vectors and tests. Fixed-length AIs (GS1 General Specifications
 * §5.10.1's predefined-length table: 00, 01, 02, 11-17, 20, 31nn-36nn) need no separator after them.
 */
import { GS, type GS1_SYMBOLOGIES } from "./gs1.js";

/**
 * Build an element string as a scanner would send it (the simulator, vectors, tests): the
 * elements in order, a GS after each variable-length one that is not last (or `separator`
 * instead, or nothing with `separator: ""`), behind a symbology identifier.
 */
export function encodeGs1(
  elements: readonly { ai: string; value: string }[],
  o: { symbology?: keyof typeof GS1_SYMBOLOGIES | ""; separator?: string } = {},
): string {
  const fixed: Readonly<Record<string, number>> = {
    "00": 18,
    "01": 14,
    "02": 14,
    "11": 6,
    "12": 6,
    "13": 6,
    "15": 6,
    "16": 6,
    "17": 6,
    "20": 2,
  };
  const sep = o.separator ?? GS;
  let out = o.symbology ?? "";
  elements.forEach((e, i) => {
    out += e.ai + e.value;
    const isFixed = fixed[e.ai] !== undefined || /^3[1-6]\d\d$/.test(e.ai);
    if (!isFixed && i < elements.length - 1) out += sep;
  });
  return out;
}
