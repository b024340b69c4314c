/**
 * The loader simulators use to hand out a DEX file (src/sim/dex-file.ts): the reference sample by
 * default (vectors.json's `served`), any quirk by name; unknown names are an error, not a file.
 */
import { describe, expect, it } from "vitest";
import { parseDex } from "../../../src/protocols/dex-ucs/index.js";
import { dexSample } from "../../../src/sim/dex-file.js";
import { DEX_VECTORS, sample } from "./samples.js";

describe("dexSample", () => {
  it("serves the reference file by default, byte for byte, and it verifies", () => {
    expect(DEX_VECTORS.served).toBe("samples/complete-crlf.dex");
    const text = dexSample();
    expect(Buffer.from(text, "latin1").equals(sample("complete-crlf.dex"))).toBe(true);
    expect(parseDex(text).integrity.verdict).toBe("verified");
  });
  it("serves a quirk by name", () => {
    expect(parseDex(dexSample("corrupt-g85.dex")).integrity.verdict).toBe("corrupt");
    expect(parseDex(dexSample("truncated.dex")).integrity.verdict).toBe("truncated");
  });
  it("an unknown sample is an error", () => {
    expect(() => dexSample("no-such.dex")).toThrow(/ENOENT/);
  });
});
