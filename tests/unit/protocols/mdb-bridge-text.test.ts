import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { fromHex } from "../../../src/protocols/bytes.js";
import { getProtocol } from "../../../src/protocols/index.js";
import {
  type BridgeCommand,
  type BridgeEvent,
  createMdbBridgeDecoder,
  encode,
  type MdbBridgeDecoderOptions,
} from "../../../src/protocols/mdb-bridge-text/index.js";
import { asExpected, loadVectors, vector } from "./vectors.js";

const file = loadVectors("mdb-bridge-text");

function decodeVector(name: string, chunks?: Buffer[]) {
  const v = vector(file, name);
  const decoder = createMdbBridgeDecoder(v.decoder as MdbBridgeDecoderOptions | undefined);
  return (chunks ?? v.chunks.map(fromHex)).flatMap((c) => decoder.push(c));
}

describe("mdb-bridge-text vectors", () => {
  it("cover every command and event kind, and each error reason a line can have", () => {
    const kinds = new Set(file.vectors.flatMap((v) => v.expect.flatMap((e) => (e.msg ? [e.msg.kind] : []))));
    const all = [
      ...["enable", "config", "beginSession", "approve", "deny", "cancelSession", "status", "dex"],
      ...["boot", "ok", "error", "reset", "setupConfig", "setupPrices", "state", "vendRequest"],
      ...["vendCancel", "vendSuccess", "vendFailure", "sessionComplete", "cashSale", "readerCancel"],
      ...["dexBegin", "dexLine", "dexEnd", "dexError"],
    ];
    expect([...kinds].sort()).toEqual(all.sort());
    const reasons = new Set(
      file.vectors.flatMap((v) => v.expect.flatMap((e) => (e.reason ? [e.reason] : []))),
    );
    expect([...reasons].sort()).toEqual(["garbage", "length", "unknown"]);
  });

  for (const v of file.vectors) {
    it(`decodes ${v.name}: ${v.note}`, () => {
      expect(asExpected(decodeVector(v.name))).toEqual(v.expect);
    });
    it(`decodes ${v.name} fed one byte at a time`, () => {
      const bytes = Buffer.concat(v.chunks.map(fromHex));
      const one = [...bytes].map((b) => Buffer.from([b]));
      expect(asExpected(decodeVector(v.name, one))).toEqual(v.expect);
    });
    if (v.encode) {
      it(`encodes ${v.name} to the vector's bytes`, () => {
        const msg = v.expect[0]!.msg as BridgeCommand | BridgeEvent;
        expect(encode(msg)).toEqual(Buffer.concat(v.chunks.map(fromHex)));
      });
    }
  }
});

describe("mdb-bridge-text codec", () => {
  it("refuses to encode fields out of range or a line that is not printable", () => {
    const bad: (BridgeCommand | BridgeEvent)[] = [
      { kind: "approve", amount: 70000 },
      { kind: "beginSession", funds: -1 },
      { kind: "approve", amount: 1.5 },
      { kind: "dexLine", text: "A\nB" },
      {
        kind: "config",
        featureLevel: 1,
        countryCode: "156",
        scaleFactor: 1,
        decimalPlaces: 2,
        maxResponseSeconds: 5,
        options: 0,
      },
    ];
    for (const m of bad) {
      let caught: unknown;
      try {
        encode(m);
      } catch (err) {
        caught = err;
      }
      expect(isQhError(caught, "QH_COMMAND_INVALID"), JSON.stringify(m)).toBe(true);
    }
  });

  it("is in the protocol registry at 115200 baud", () => {
    const p = getProtocol("mdb-bridge-text");
    expect(p.defaultBaudRate).toBe(115200);
    const [r] = p.createDecoder({ role: "host" }).push(Buffer.from("c,STATUS,VEND,100,5\n"));
    expect(r?.ok && p.describe(r.msg)).toBe("vendRequest price=100 item=5");
  });
});
