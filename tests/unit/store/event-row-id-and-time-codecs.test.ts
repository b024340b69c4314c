import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { envelopeText, idFromBytes, idToBytes, isCanonicalUuid } from "../../../src/store/event-row.js";

/** The id as the earlier decoder read it: the hex groups, Node's own hex decoding. */
const reference = (id: string): Buffer => Buffer.from(id.replaceAll("-", ""), "hex");

const canonical = (b: Buffer): string => idFromBytes(b);

describe("the row's id and time codecs (the group commit's hot path)", () => {
  it("decodes every canonical id to the same 16 bytes as Node's hex decoding", () => {
    for (let i = 0; i < 2000; i++) {
      const id = canonical(randomBytes(16));
      expect(idToBytes(id)).toEqual(reference(id));
    }
    expect(idToBytes("00000000-0000-0000-0000-000000000000")).toEqual(Buffer.alloc(16));
    expect(idToBytes("ffffffff-ffff-ffff-ffff-ffffffffffff")).toEqual(Buffer.alloc(16, 0xff));
  });

  it("refuses, as a TypeError, exactly the strings that are not canonical", () => {
    const base = canonical(randomBytes(16));
    // every position replaced by every kind of wrong (or right) character
    const chars = [
      "0",
      "9",
      "a",
      "f",
      "A",
      "F",
      "g",
      "-",
      " ",
      "\u00e9",
      "\u0130",
      "\ud83d",
      "\0",
      "/",
      ":",
      "`",
    ];
    let refused = 0;
    for (let p = 0; p < 36; p++)
      for (const c of chars) {
        const s = base.slice(0, p) + c + base.slice(p + 1);
        if (isCanonicalUuid(s)) expect(idToBytes(s)).toEqual(reference(s));
        else {
          expect(() => idToBytes(s), s).toThrow(TypeError);
          refused++;
        }
      }
    expect(refused).toBeGreaterThan(36 * 8);
    for (const s of ["", "legacy-8", `${base}0`, base.slice(1), base.toUpperCase(), base.replaceAll("-", "")])
      expect(() => idToBytes(s), s).toThrow(TypeError);
  });

  it("writes each event's own time, whatever the time of the event before it", () => {
    const times = [1_764_230_102_113, 1_764_230_102_113, 0, 1_764_230_102_114, -1, 1_764_230_102_113];
    for (const ts of times) {
      const text = envelopeText("i", 1, ts, "gw", "d", "t.x", "{}", false);
      expect(JSON.parse(text).ts).toBe(new Date(ts).toISOString());
    }
  });

  it("refuses a time Date cannot hold, right after one it could", () => {
    envelopeText("i", 1, 1_764_230_102_113, "gw", "d", "t.x", "{}", false);
    // twice each: a refused time is never remembered as the last one formatted
    for (const ts of [
      Number.NaN,
      8.64e15 + 1,
      8.64e15 + 1,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ])
      expect(() => envelopeText("i", 1, ts, "gw", "d", "t.x", "{}", false)).toThrow(RangeError);
    expect(JSON.parse(envelopeText("i", 1, 5, "gw", "d", "t.x", "{}", false)).ts).toBe(
      "1970-01-01T00:00:00.005Z",
    );
  });
});
