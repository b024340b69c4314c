import { describe, expect, it } from "vitest";
import { newId, newIdBytes } from "../../../src/core/ids.js";
import { idToBytes } from "../../../src/store/event-row.js";

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

// One module instance per file: the tests run in order, on increasing times (ids never go back).
describe("UUIDv7 ids", () => {
  it("have the RFC 9562 layout: version 7, variant 10", () => {
    for (let i = 0; i < 2000; i++) expect(newId()).toMatch(UUID7);
  });
  it("carry the millisecond timestamp in the first 48 bits", () => {
    const t = Date.now() + 60_000;
    expect(msOf(newId(t))).toBe(t);
  });
  it("sort by time across milliseconds, strictly increase within one, and do not repeat", () => {
    const base = Date.now() + 120_000;
    const ids = Array.from({ length: 50_000 }, (_, i) => newId(base + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id, i) => i > 0 && !(id > ids[i - 1]!))).toEqual([]);
    expect(ids.filter((id) => !UUID7.test(id))).toEqual([]);
  });
  it("never go backwards when the wall clock steps back three days", () => {
    const t = Date.now() + 180_000;
    const before = newId(t);
    const after = newId(t - 3 * 86_400_000);
    expect(after > before).toBe(true);
    expect(msOf(after)).toBe(t); // held at the last time used
  });
  it("move on to the next millisecond when 4096 ids share one", () => {
    const t = Date.now() + 240_000;
    const ids = Array.from({ length: 5000 }, () => newId(t));
    expect(ids.filter((id, i) => i > 0 && !(id > ids[i - 1]!))).toEqual([]);
    expect(msOf(ids[ids.length - 1]!)).toBeGreaterThan(t);
  });
  it("write, beside their text, the same 16 bytes the text decodes to, at the offset given and nowhere else", () => {
    const t = Date.now() + 300_000;
    const out = Buffer.alloc(16 * 300 + 7, 0xee);
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) ids.push(newIdBytes(t + Math.floor(i / 50), out, 7 + 16 * i));
    expect(out.subarray(0, 7)).toEqual(Buffer.alloc(7, 0xee));
    ids.forEach((id, i) => {
      expect(id).toMatch(UUID7);
      expect(out.subarray(7 + 16 * i, 23 + 16 * i)).toEqual(idToBytes(id));
    });
    expect(ids.filter((id, i) => i > 0 && !(id > ids[i - 1]!))).toEqual([]);
    // newId and newIdBytes share one sequence
    expect(newId(t) > ids[ids.length - 1]!).toBe(true);
  });
  it("refuse, as a RangeError, an offset without 16 bytes behind it", () => {
    for (const [size, offset] of [
      [8, 0],
      [16, 1],
      [32, -1],
      [32, 0.5],
      [32, Number.NaN],
    ] as const)
      expect(() => newIdBytes(Date.now(), new Uint8Array(size), offset), `${size} at ${offset}`).toThrow(
        RangeError,
      );
    expect(newIdBytes(Date.now() + 400_000, new Uint8Array(16), 0)).toMatch(UUID7);
  });
  it("encode the largest 48-bit time", () => {
    expect(newId(2 ** 48 - 1).startsWith("ffffffff-ffff-7")).toBe(true);
  });
});
