import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import {
  type DecodeResult,
  DecoderTransform,
  fromHex,
  getProtocol,
  hasProtocol,
  listProtocols,
  registerProtocol,
} from "../../../src/protocols/index.js";
import type { LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";

describe("protocol registry", () => {
  it("knows the three built-in protocols with their default baud rates", () => {
    expect(listProtocols()).toEqual(expect.arrayContaining(["kerong-cu16", "lockboard-xor", "scanner-line"]));
    expect(getProtocol("lockboard-xor").defaultBaudRate).toBe(9600);
    expect(getProtocol("kerong-cu16").defaultBaudRate).toBe(19200);
    expect(getProtocol("scanner-line").defaultBaudRate).toBe(9600);
    expect(getProtocol("modbus-rtu").defaultBaudRate).toBe(9600);
  });

  it("creates configured decoders and describes their messages", () => {
    const lock = getProtocol("lockboard-xor");
    const d = lock.createDecoder({ role: "master", openReply: "status" });
    const [r] = d.push(fromHex("8A 01 01 11 9B"));
    expect(r?.ok && lock.describe(r.msg)).toBe("OpenReply board=1 lock=1 style=status result=stillLocked");

    const kerong = getProtocol("kerong-cu16");
    const [k] = kerong.createDecoder().push(fromHex("02 00 31 03 36"));
    expect(k?.ok && kerong.describe(k.msg)).toBe("Unlock board=0 lock=1");

    const scanner = getProtocol("scanner-line");
    const [s] = scanner.createDecoder({ terminator: "LF", prefix: [1] }).push(fromHex("01 41 42 0A"));
    expect(s?.ok && scanner.describe(s.msg)).toBe('Scan code="AB"');

    const modbus = getProtocol("modbus-rtu");
    const [m] = modbus.createDecoder({ role: "server" }).push(fromHex("01 03 00 00 00 01 84 0A"));
    expect(m?.ok && modbus.describe(m.msg)).toBe("ReadHolding unit=1 addr=0x0000 n=1");
  });

  it("throws QhError for an unknown protocol and takes new ones", () => {
    let caught: unknown;
    try {
      getProtocol("no-such-protocol");
    } catch (e) {
      caught = e;
    }
    expect(isQhError(caught, "QH_CONFIG_INVALID")).toBe(true);
    expect(hasProtocol("test-echo")).toBe(false);
    registerProtocol({
      name: "test-echo",
      defaultBaudRate: 1200,
      createDecoder: () => getProtocol("scanner-line").createDecoder({ terminator: "LF" }),
      describe: (m: { kind: string }) => m.kind,
    });
    expect(getProtocol("test-echo").defaultBaudRate).toBe(1200);
    expect(() => registerProtocol(getProtocol("lockboard-xor"))).toThrow(/already registered/);
  });
});

describe("DecoderTransform", () => {
  it("turns a byte stream into decode results, errors included", async () => {
    const decoder = getProtocol("lockboard-xor").createDecoder({ role: "master" });
    const source = Readable.from([fromHex("FF 80 01"), fromHex("01 11 91 8A 01 01"), fromHex("00 8A")]);
    const out: DecodeResult<LockboardMessage>[] = [];
    for await (const r of source.pipe(new DecoderTransform(decoder)))
      out.push(r as DecodeResult<LockboardMessage>);
    expect(out.map((r) => (r.ok ? r.msg.kind : r.reason))).toEqual([
      "garbage",
      "lockStatusReply",
      "openReply",
    ]);
  });
});
