/**
 * The parser's rules beyond the samples: the CRC itself, broken input (never a crash), forms of
 * G85 the sources show, SE never rejecting, products and events read field by field.
 */
import { describe, expect, it } from "vitest";
import { crc16Arc, crcHex, parseDex, sealDex } from "../../../src/protocols/dex-ucs/index.js";
import { sample } from "./samples.js";

const BODY = [
  "DXS*T1*VA*V1/1*1",
  "ST*001*0001",
  "ID1*SER42*MODEL7*0001**0*ASSET9",
  "ID4*2*156*CNY",
  "ID5*991231*2359",
  "VA1*1000*5*200*1",
  "PA1*A1*200*Tea   ",
  "PA2*5*1000*1*200",
  "PA7*A1*CA*0*200*2*400*0*0",
  "PA7*A1*DA*0*200*3*600*1*200",
  "EA1*EJK*20261130*101500",
];

describe("CRC-16/ARC (G85)", () => {
  it("has the catalogue check value (123456789 → BB3D)", () => {
    expect(crc16Arc(Buffer.from("123456789"))).toBe(0xbb3d);
    expect(crcHex("123456789")).toBe("BB3D");
  });
  it("is computed over CRLF lines whatever the file's own endings", () => {
    const crlf = parseDex(sealDex(BODY));
    const lf = parseDex(sealDex(BODY, { eol: "\n" }));
    const cr = parseDex(sealDex(BODY).replace(/\r\n/g, "\r"));
    const mixed = parseDex(sealDex(BODY).replace("ID4*2*156*CNY\r\n", "ID4*2*156*CNY\n"));
    for (const a of [crlf, lf, cr, mixed]) expect(a.integrity.verdict).toBe("verified");
    expect([lf, cr, mixed].map((a) => a.integrity.lineEndings)).toEqual(["lf", "cr", "mixed"]);
  });
  it("accepts the declared CRC in lower case or without leading zeros, as a number", () => {
    const right = parseDex(sealDex(BODY)).integrity.g85.computed!;
    const lower = parseDex(sealDex(BODY, { g85: right.toLowerCase() }));
    expect(lower.integrity.verdict).toBe("verified");
    const short = parseDex(sealDex(BODY, { g85: Number.parseInt(right, 16).toString(16) }));
    expect(short.integrity.verdict).toBe("verified");
  });
  it("a G85 that is not hex, or wrong, makes the verdict corrupt and the audit is still read", () => {
    const junk = parseDex(sealDex(BODY, { g85: "XYZ!" }));
    expect(junk.integrity.g85.status).toBe("malformed");
    expect(junk.integrity.verdict).toBe("corrupt");
    const wrong = parseDex(sealDex(BODY).replace("VA1*1000", "VA1*9000"));
    expect(wrong.integrity.verdict).toBe("corrupt");
    expect(wrong.paidVends?.init.value).toBe(9000);
  });
  it("covers only what precedes it: an early G85 does not vouch for segments after it", () => {
    // G85 right after ST: its CRC (over ST alone) is right, the figures come after it
    const early = `${[
      "DXS*QHVM000001*VA*V1/1*1",
      "ST*001*0001",
      `G85*${crcHex("ST*001*0001\r\n")}`,
      "ID1*EVIL*X",
      "PA1*1*200*Water",
      "PA2*999999*99999999*999999*99999999",
      "SE*3*0001",
      "DXE*1*1",
    ].join("\r\n")}\r\n`;
    const a = parseDex(early);
    expect(a.integrity.g85.status).toBe("ok");
    expect(a.integrity.verdict).toBe("unverified");
    expect(a.integrity.warnings.join("\n")).toContain("not covered by its CRC");
    // SE and DXE after G85 are normal: still verified
    expect(parseDex(sealDex(BODY)).integrity.verdict).toBe("verified");
  });
  it("does not start at DXS, and a changed byte of a padded name breaks it", () => {
    const text = sealDex(BODY);
    expect(parseDex(text.replace("Tea   ", "Tea  ")).integrity.verdict).toBe("corrupt");
  });
});

describe("SE", () => {
  it("a wrong count is a warning, never a rejection", () => {
    const a = parseDex(sealDex(BODY, { seCount: 999 }));
    expect(a.integrity.verdict).toBe("verified");
    expect(a.integrity.segmentCount).toEqual({ declared: 999, actual: 12, ok: false });
    expect(a.products).toHaveLength(1);
  });
});

describe("fields", () => {
  const a = parseDex(sealDex(BODY));
  it("reads the machine, both date forms and the times", () => {
    expect(a.machine).toMatchObject({
      serial: "SER42",
      model: "MODEL7",
      asset: "ASSET9",
      currency: { decimals: 2, numeric: "156", code: "CNY" },
      readDate: "1999-12-31",
      readTime: "23:59",
    });
    expect(a.events[0]).toMatchObject({ tag: "EA1", code: "EJK", date: "2026-11-30", time: "10:15:00" });
  });
  it("reads a product with a text number, its padded name, PA2 and PA7", () => {
    expect(a.products[0]).toMatchObject({
      number: "A1",
      name: "Tea",
      rawName: "Tea   ",
      price: 200,
      vends: { init: { count: 5, value: 1000 }, reset: { count: 1, value: 200 } },
    });
    expect(a.products[0]!.byDevice.map((d) => [d.device, d.init.count])).toEqual([
      ["CA", 2],
      ["DA", 3],
    ]);
  });
  it("a bad date or number is null and a warning, not a failure", () => {
    const b = parseDex(sealDex([...BODY.slice(0, 4), "ID5*20261345*2599", "VA1*12x*5*200*1"]));
    expect(b.machine.readDate).toBeNull();
    expect(b.machine.readTime).toBeNull();
    expect(b.paidVends?.init).toEqual({ value: null, count: 5 });
    expect(b.integrity.warnings.join("\n")).toMatch(
      /not a calendar date[\s\S]*not an HHMM[\s\S]*not a whole number/,
    );
    expect(b.integrity.verdict).toBe("verified");
  });
  it("PA2 before any PA1 is kept as unknown, with a warning", () => {
    const b = parseDex(sealDex([...BODY.slice(0, 2), "PA2*1*2*3*4"]));
    expect(b.unknown.map((u) => u.tag)).toEqual(["PA2"]);
  });
});

describe("broken files never crash", () => {
  it("every prefix of a real file parses, and cut ones say truncated", () => {
    const text = sample("complete-crlf.dex").toString("latin1");
    for (let n = 0; n <= text.length; n += 7) {
      const a = parseDex(text.slice(0, n));
      if (n < text.indexOf("G85")) {
        expect(a.integrity.truncated).toBe(true);
        expect(a.integrity.verdict).toBe("truncated");
      }
    }
  });
  it("empty input, binary noise and a non-DEX text give an audit without DXS", () => {
    for (const input of ["", Buffer.from([0, 255, 13, 10, 42, 42, 1]), "hello\nworld\n"]) {
      const a = parseDex(input);
      expect(a.dxs).toBeNull();
      expect(a.segments).toHaveLength(0);
      expect(a.integrity.verdict).toBe("truncated");
    }
  });
  it("text after DXE is ignored with a warning; NULs and SUB after it silently", () => {
    const a = parseDex(`${sealDex(BODY)}\0\0\x1a`);
    expect(a.integrity.warnings).toEqual([]);
    const b = parseDex(`${sealDex(BODY)}garbage\r\n`);
    expect(b.integrity.verdict).toBe("verified");
    expect(b.integrity.warnings.join()).toContain("after DXE");
  });
});
