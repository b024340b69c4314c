import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { fromHex } from "../../../src/protocols/bytes.js";
import {
  createScannerDecoder,
  describe as describeMsg,
  encodeScan,
  type ScannerLineOptions,
} from "../../../src/protocols/scanner-line/index.js";
import { asExpected, loadVectors, vector } from "./vectors.js";

const file = loadVectors("scanner-line");

function decodeVector(name: string, chunks?: Buffer[]) {
  const v = vector(file, name);
  const decoder = createScannerDecoder(v.decoder as ScannerLineOptions | undefined);
  return (chunks ?? v.chunks.map(fromHex)).flatMap((c) => decoder.push(c));
}

describe("scanner-line vectors", () => {
  it("covers every error reason a line can have", () => {
    const reasons = new Set(
      file.vectors.flatMap((v) => v.expect.flatMap((e) => (e.reason ? [e.reason] : []))),
    );
    expect([...reasons].sort()).toEqual(["garbage", "length"]);
  });

  for (const v of file.vectors) {
    it(`decodes ${v.name}: ${v.note}`, () => {
      expect(asExpected(decodeVector(v.name))).toEqual(v.expect);
    });
    it(`decodes ${v.name} fed one byte at a time`, () => {
      const bytes = Buffer.concat(v.chunks.map(fromHex));
      expect(
        asExpected(
          decodeVector(
            v.name,
            [...bytes].map((b) => Buffer.from([b])),
          ),
        ),
      ).toEqual(v.expect);
    });
  }
});

describe("scanner-line codec", () => {
  it("encodes what it decodes, for every terminator and framing", () => {
    const configs: ScannerLineOptions[] = [
      { terminator: "CR" },
      { terminator: "LF" },
      { terminator: "CRLF" },
      { terminator: "CR", prefix: [0x02], suffix: [0x03, 0x04] },
    ];
    for (const options of configs) {
      const bytes = encodeScan({ kind: "scan", code: "QH-0001 x" }, options);
      expect(
        createScannerDecoder(options)
          .push(bytes)
          .map((r) => r.ok && r.msg),
      ).toEqual([{ kind: "scan", code: "QH-0001 x" }]);
      expect(
        createScannerDecoder({ ...options, terminator: "auto" })
          .push(bytes)
          .map((r) => r.ok && r.msg.code),
      ).toEqual(["QH-0001 x"]);
    }
  });

  it("refuses empty, over-long and non-printable codes with QhError", () => {
    for (const code of ["", "x".repeat(129), "a\u0007b", "é"]) {
      let caught: unknown;
      try {
        encodeScan({ kind: "scan", code });
      } catch (e) {
        caught = e;
      }
      expect(isQhError(caught, "QH_COMMAND_INVALID"), JSON.stringify(code)).toBe(true);
    }
  });

  it("never holds more than one maximal line", () => {
    const d = createScannerDecoder({ terminator: "CR", maxLength: 8 });
    const results = d.push(Buffer.alloc(1_000, 0x41));
    expect(results.map((r) => !r.ok && r.reason)).toEqual(["length"]);
    expect(d.push(fromHex("0D 42 0D")).map((r) => r.ok && r.msg.code)).toEqual(["B"]);
  });

  it("describes scans", () => {
    expect(describeMsg({ kind: "scan", code: "AB1" })).toBe('Scan code="AB1"');
  });
});
