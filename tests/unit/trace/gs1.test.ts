/**
 * GS1 element strings against firmware-protocols/gs1-element-strings/vectors.json: with and
 * without separators and symbology identifiers, day 00, 3- and 4-digit AIs, a rewritten or dropped
 * separator, bad check digits and dates (each refusal a coded error with a hint).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import {
  encodeGs1,
  GS,
  looksLikeGs1,
  normalizeGtin,
  parseGs1,
  printable,
} from "../../../src/domain/trace/gs1.js";

interface Gs1Vector {
  name: string;
  note: string;
  text: string;
  options?: { separator?: string };
  expect?: Record<string, unknown> & { ai?: Record<string, string>; warnings?: number };
  error?: string;
}
const file = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "../../../firmware-protocols/gs1-element-strings/vectors.json"),
    "utf8",
  ),
) as { year: number; vectors: Gs1Vector[] };

describe("gs1 vectors", () => {
  for (const v of file.vectors) {
    it(`${v.name}: ${v.note}`, () => {
      const run = () => parseGs1(v.text, { ...(v.options ?? {}), year: file.year });
      if (v.error) {
        let caught: unknown;
        try {
          run();
        } catch (err) {
          caught = err;
        }
        expect(isQhError(caught)).toBe(true);
        expect((caught as { code: string }).code).toBe(v.error);
        expect((caught as { hint: string }).hint.length).toBeGreaterThan(20);
        return;
      }
      const r = run();
      const { ai, warnings, ...fields } = v.expect ?? {};
      for (const [k, want] of Object.entries(fields)) expect(r[k as keyof typeof r], k).toEqual(want);
      for (const [k, want] of Object.entries(ai ?? {}))
        expect(r.elements.find((e) => e.ai === k)?.value, `(${k})`).toBe(want);
      expect(r.warnings.length).toBe(warnings ?? 0);
      // every vector the gateway reads is also recognised as GS1 before parsing
      expect(looksLikeGs1(v.text, v.options)).toBe(true);
    });
  }
});

describe("gs1 helpers", () => {
  it("normalizes GTIN-8/12/13 to 14 digits and refuses a wrong check digit", () => {
    expect(normalizeGtin("4012345678901")).toBe("04012345678901");
    expect(normalizeGtin("96385074")).toBe("00000096385074");
    expect(() => normalizeGtin("4012345678902")).toThrow(/check digit 2, expected 1/);
    expect(() => normalizeGtin("40123")).toThrow(/8, 12, 13 or 14 digits/);
  });

  it("encodes what it parses, with GS, a stand-in, or no separator at all", () => {
    const els = [
      { ai: "01", value: "04012345678901" },
      { ai: "10", value: "L-9" },
      { ai: "17", value: "270100" },
    ];
    expect(encodeGs1(els, { symbology: "]d2" })).toBe(`]d2010401234567890110L-9${GS}17270100`);
    const r = parseGs1(encodeGs1(els, { symbology: "]C1", separator: "~" }), { separator: "~", year: 2026 });
    expect([r.lot, r.expiry]).toEqual(["L-9", "2027-01-31"]);
    expect(parseGs1(encodeGs1(els, { separator: "" }), { year: 2026 }).lot).toBe("L-917270100");
  });

  it("tells a plain pickup code or courier code from a GS1 string", () => {
    expect(looksLikeGs1("123456")).toBe(false);
    expect(looksLikeGs1("qh:courier:24681357")).toBe(false);
    expect(looksLikeGs1("PKG-0001")).toBe(false);
    expect(printable(`a${GS}b`)).toBe("a<GS>b");
  });
});
