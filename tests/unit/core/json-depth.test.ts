import { describe, expect, it } from "vitest";
import { jsonTextTooDeep, jsonValueTooDeep, MAX_JSON_DEPTH } from "../../../src/core/json-depth.js";

const nested = (n: number) => "[".repeat(n) + "]".repeat(n);

describe("JSON nesting depth, iteratively", () => {
  it("text: 32 levels pass, 33 do not; objects and arrays both count", () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(jsonTextTooDeep(nested(32))).toBe(false);
    expect(jsonTextTooDeep(nested(33))).toBe(true);
    expect(jsonTextTooDeep(`{"a":${nested(31)}}`)).toBe(false);
    expect(jsonTextTooDeep(`{"a":{"b":${nested(31)}}}`)).toBe(true);
    expect(jsonTextTooDeep(nested(1_000_000))).toBe(true);
  });

  it("text: brackets inside strings, escaped quotes included, do not count; bytes work as text", () => {
    const s = JSON.stringify({ s: `[{"\\${"[".repeat(100)}`, t: "住户" });
    expect(jsonTextTooDeep(s)).toBe(false);
    expect(jsonTextTooDeep(Buffer.from(s))).toBe(false);
    expect(jsonTextTooDeep(Buffer.from(`{"住":${nested(40)}}`))).toBe(true);
  });

  it("value: the same limit on a parsed value, at any depth without recursion", () => {
    expect(jsonValueTooDeep(JSON.parse(nested(32)))).toBe(false);
    expect(jsonValueTooDeep(JSON.parse(nested(33)))).toBe(true);
    expect(jsonValueTooDeep(JSON.parse(`{"a":${nested(100_000)}}`))).toBe(true);
    expect(jsonValueTooDeep({ a: 1, b: "x", c: [1, { d: null }] }, 3)).toBe(false);
    expect(jsonValueTooDeep("text")).toBe(false);
  });
});
