import { describe, expect, it } from "vitest";
import { newId } from "../../../src/core/ids.js";

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("UUIDv7 ids", () => {
  it("have the RFC 9562 layout: version 7, variant 10", () => {
    for (let i = 0; i < 2000; i++) expect(newId()).toMatch(UUID7);
  });
  it("carry the millisecond timestamp in the first 48 bits", () => {
    const t = Date.parse("2026-11-27T08:15:02.113Z");
    const id = newId(t);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(t);
    expect(newId(0).startsWith("00000000-0000-7")).toBe(true);
    expect(newId(2 ** 48 - 1).startsWith("ffffffff-ffff-7")).toBe(true);
  });
  it("sort by time across milliseconds and do not repeat", () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => newId(1_700_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 100; i < ids.length; i += 100) expect(ids[i]! > ids[i - 100]!).toBe(true);
  });
});
