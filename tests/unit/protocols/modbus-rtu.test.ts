import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { fromHex, toHex } from "../../../src/protocols/bytes.js";
import {
  crc16,
  createModbusDecoder,
  decodeValue,
  describe as describeMsg,
  encode,
  encodeValue,
  interFrameSilenceMs,
  isReplyTo,
  type ModbusDecoderOptions,
  type ModbusMessage,
  type ModbusRequest,
  type RegisterSpec,
  replyLength,
} from "../../../src/protocols/modbus-rtu/index.js";
import { asExpected, loadVectors, vector } from "./vectors.js";

const file = loadVectors("modbus-rtu");
interface ValueVector {
  name: string;
  note: string;
  spec: RegisterSpec;
  words: string[];
  expect: { value: number | null; raw: number | null; fault: boolean };
}
const values = (file as unknown as { values: ValueVector[] }).values;

function decodeVector(name: string, chunks?: Buffer[]) {
  const v = vector(file, name);
  const decoder = createModbusDecoder(v.decoder as ModbusDecoderOptions | undefined);
  if (v.expectRequest) decoder.expect(v.expectRequest as unknown as ModbusMessage);
  return (chunks ?? v.chunks.map(fromHex)).flatMap((c) => decoder.push(c));
}

describe("modbus-rtu vectors", () => {
  it("covers functions 03, 04, 06, 16, exceptions, bad CRC, truncation and noise", () => {
    const kinds = new Set(file.vectors.flatMap((v) => v.expect.flatMap((e) => (e.msg ? [e.msg.kind] : []))));
    expect([...kinds].sort()).toEqual([
      "exception",
      "readHolding",
      "readHoldingReply",
      "readInput",
      "readInputReply",
      "writeRegister",
      "writeRegisterReply",
      "writeRegisters",
      "writeRegistersReply",
    ]);
    const reasons = new Set(
      file.vectors.flatMap((v) => v.expect.flatMap((e) => (e.reason ? [e.reason] : []))),
    );
    expect([...reasons].sort()).toEqual(["checksum", "garbage"]);
    expect(vector(file, "truncated").expect).toEqual([]);
  });

  for (const v of file.vectors) {
    it(`decodes ${v.name}: ${v.note}`, () => {
      expect(asExpected(decodeVector(v.name))).toEqual(v.expect);
    });

    if (v.encode) {
      it(`encodes ${v.name}`, () => {
        const e = v.expect[0]!;
        expect(toHex(encode(e.msg as unknown as ModbusMessage))).toBe(e.raw);
      });
    }

    if (v.expect.length === 1 && v.expect[0]!.ok) {
      it(`decodes ${v.name} fed one byte at a time`, () => {
        const bytes = Buffer.concat(v.chunks.map(fromHex));
        const oneByOne = [...bytes].map((b) => Buffer.from([b]));
        expect(asExpected(decodeVector(v.name, oneByOne))).toEqual(v.expect);
      });
    }
  }

  it("the requests' replies are the replies the vectors pair with them", () => {
    const pairs: [string, string][] = [
      ["read-input-ch1", "reply-input-ch1-frozen"],
      ["read-setpoint-ch1", "reply-setpoint-minus-20"],
      ["write-setpoint-minus-20", "reply-write-setpoint"],
      ["write-registers-setpoint", "reply-write-registers"],
      ["read-unmapped", "exception-illegal-address"],
      ["write-setpoint-50", "exception-illegal-value"],
    ];
    for (const [reqName, replyName] of pairs) {
      const req = vector(file, reqName).expect[0]!.msg as unknown as ModbusRequest;
      const reply = vector(file, replyName).expect[0]!;
      expect(isReplyTo(req, reply.msg as unknown as ModbusMessage), `${reqName} → ${replyName}`).toBe(true);
      if (reply.msg?.kind !== "exception") expect(fromHex(reply.raw).length).toBe(replyLength(req));
    }
    // another unit's reply, or another function's, answers nothing
    const req = vector(file, "read-input-ch1").expect[0]!.msg as unknown as ModbusRequest;
    expect(isReplyTo(req, { kind: "readInputReply", unit: 2, values: [0, 0, 0, 0] })).toBe(false);
    expect(isReplyTo(req, { kind: "readHoldingReply", unit: 1, values: [0, 0, 0, 0] })).toBe(false);
    expect(isReplyTo(req, { kind: "readInputReply", unit: 1, values: [0] })).toBe(false);
  });
});

describe("modbus-rtu register values", () => {
  for (const v of values) {
    it(`${v.name}: ${v.note}`, () => {
      const got = decodeValue(
        v.spec,
        v.words.map((w) => Number.parseInt(w, 16)),
      );
      expect(got.fault).toBe(v.expect.fault);
      expect(got.value).toBe(v.expect.value);
      if (v.expect.raw === null) expect(Number.isNaN(got.raw)).toBe(true);
      else expect(got.raw).toBe(v.expect.raw);
      // every value that is not a fault writes back to the same words
      if (!v.expect.fault && v.spec.bit === undefined && v.expect.value !== null) {
        expect(
          encodeValue(v.spec, v.expect.value).map((w) => w.toString(16).toUpperCase().padStart(4, "0")),
        ).toEqual(v.words);
      }
    });
  }

  it("refuses to write what the register cannot hold, or its sensor-fault value", () => {
    const t: RegisterSpec = {
      register: 0,
      function: 3,
      type: "int16",
      scale: 0.1,
      unit: "°C",
      sentinels: { values: [32767] },
    };
    expect(encodeValue(t, -18)).toEqual([0xff4c]);
    expect(encodeValue(t, -0.05)).toEqual([0]); // rounds to the register's resolution (0.1)
    for (const bad of [4000, -3300, Number.NaN, 3276.7]) {
      let caught: unknown;
      try {
        encodeValue(t, bad);
      } catch (e) {
        caught = e;
      }
      expect(isQhError(caught, "QH_MODBUS_VALUE"), String(bad)).toBe(true);
    }
    expect(() => encodeValue({ ...t, type: "uint16" }, -1)).toThrow(/outside uint16/);
  });
});

describe("modbus-rtu codec", () => {
  it("computes CRC-16/MODBUS (init FFFF, poly A001), low byte first", () => {
    expect(crc16(fromHex("01 03 00 00 00 01")).toString(16)).toBe("a84");
    expect(crc16(fromHex("11 03 00 6B 00 03"))).toBe(0x8776);
    expect(crc16(Buffer.from("123456789"))).toBe(0x4b37); // the catalogue check value of CRC-16/MODBUS
  });

  it("refuses to encode out-of-range fields (unit 0, quantity 126, raw words above 65535)", () => {
    for (const bad of [
      { kind: "readHolding", unit: 0, address: 0, quantity: 1 },
      { kind: "readInput", unit: 1, address: 0, quantity: 126 },
      { kind: "writeRegister", unit: 1, address: 0, value: -18 },
      { kind: "writeRegisters", unit: 1, address: 0, values: [] },
    ] as ModbusRequest[]) {
      expect(() => encode(bad), describeMsg(bad)).toThrow(expect.objectContaining({ code: "QH_INTERNAL" }));
    }
  });

  it("frames a reply by its request: the same bytes are a 3-register reply only when 3 were asked", () => {
    const reply = vector(file, "reply-holding-unit-17");
    const bytes = Buffer.concat(reply.chunks.map(fromHex));
    const d = createModbusDecoder();
    d.expect({ kind: "readHolding", unit: 17, address: 0x6b, quantity: 2 });
    expect(d.push(bytes).every((r) => !r.ok)).toBe(true);
    d.reset();
    d.expect({ kind: "readHolding", unit: 17, address: 0x6b, quantity: 3 });
    expect(d.push(bytes).map((r) => r.ok)).toEqual([true]);
  });

  it("finds every reply in a long stream of replies and noise", () => {
    const picked = file.vectors.filter(
      (v) => v.decoder?.role === "master" && v.expect.length === 1 && v.expect[0]!.ok,
    );
    expect(picked.length).toBeGreaterThan(8);
    const noise = fromHex("FF 00 FE");
    const d = createModbusDecoder();
    const good: string[] = [];
    for (const v of picked) {
      d.expect(v.expectRequest as unknown as ModbusMessage | undefined);
      const stream = Buffer.concat([noise, ...v.chunks.map(fromHex)]);
      for (let i = 0; i < stream.length; i += 3) {
        for (const r of d.push(stream.subarray(i, i + 3))) if (r.ok) good.push(toHex(r.raw));
      }
    }
    expect(good).toEqual(picked.map((v) => v.expect[0]!.raw));
  });

  it("keeps t3.5 between frames: 4.01 ms at 9600 baud, 1.75 ms above 19200", () => {
    expect(interFrameSilenceMs(9600)).toBeCloseTo(4.0104, 3);
    expect(interFrameSilenceMs(19200)).toBeCloseTo(2.0052, 3);
    expect(interFrameSilenceMs(38400)).toBe(1.75);
    expect(interFrameSilenceMs(115200)).toBe(1.75);
  });
});
