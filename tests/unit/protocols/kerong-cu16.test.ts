import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { fromHex, toHex } from "../../../src/protocols/bytes.js";
import {
  addrOf,
  ambiguousUnlockUnits,
  codecs,
  createKerongDecoder,
  describe as describeMsg,
  encode,
  isReplyTo,
  type KerongMessage,
  locksFromBitmaps,
  replyOf,
} from "../../../src/protocols/kerong-cu16/index.js";
import { asExpected, loadVectors, stripHelpers, vector } from "./vectors.js";

const file = loadVectors("kerong-cu16");

function decodeVector(name: string, chunks?: Buffer[]) {
  const v = vector(file, name);
  const decoder = createKerongDecoder();
  return (chunks ?? v.chunks.map(fromHex)).flatMap((c) => decoder.push(c));
}

describe("kerong-cu16 vectors", () => {
  it("has vectors of every message kind and error reason", () => {
    const kinds = new Set(file.vectors.flatMap((v) => v.expect.flatMap((e) => (e.msg ? [e.msg.kind] : []))));
    expect([...kinds].sort()).toEqual(Object.keys(codecs).sort());
    const reasons = new Set(
      file.vectors.flatMap((v) => v.expect.flatMap((e) => (e.reason ? [e.reason] : []))),
    );
    expect([...reasons].sort()).toEqual(["checksum", "garbage", "unknown"]);
  });

  for (const v of file.vectors) {
    it(`decodes ${v.name}: ${v.note}`, () => {
      expect(asExpected(decodeVector(v.name))).toEqual(stripHelpers(v.expect));
      for (const e of v.expect) {
        if (e.locks && e.msg) {
          expect(locksFromBitmaps(e.msg.hooks as number, e.msg.infrared as number)).toEqual(e.locks);
        }
      }
    });

    if (v.encode) {
      it(`encodes ${v.name}`, () => {
        const e = v.expect[0]!;
        expect(toHex(encode(e.msg as unknown as KerongMessage))).toBe(e.raw);
      });
    }

    if (v.expect.length === 1 && v.expect[0]!.ok) {
      it(`decodes ${v.name} fed one byte at a time`, () => {
        const bytes = Buffer.concat(v.chunks.map(fromHex));
        expect(
          asExpected(
            decodeVector(
              v.name,
              [...bytes].map((b) => Buffer.from([b])),
            ),
          ),
        ).toEqual(stripHelpers(v.expect));
      });
    }
  }
});

describe("kerong-cu16 decoder", () => {
  it("finds every frame in one stream of all valid vectors with noise between", () => {
    const picked = file.vectors.filter((v) => v.encode);
    const noise = fromHex("FF 13 00");
    const stream = Buffer.concat(picked.flatMap((v) => [noise, ...v.chunks.map(fromHex)]));
    const d = createKerongDecoder();
    const results = [];
    for (let i = 0; i < stream.length; i += 4) results.push(...d.push(stream.subarray(i, i + 4)));
    expect(results.filter((r) => r.ok).map((r) => toHex(r.raw))).toEqual(picked.map((v) => v.expect[0]!.raw));
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === "garbage")).toBe(true);
  });

  it("tells the 5-byte unlock-time query from the 7-byte set", () => {
    const d = createKerongDecoder();
    const query = encode({ kind: "queryUnlockTime", board: 2 });
    const set = encode({ kind: "setUnlockTime", board: 2, units: 0x0303 });
    expect(d.push(Buffer.concat([query, set, query])).map((r) => r.ok && r.msg)).toEqual([
      { kind: "queryUnlockTime", board: 2 },
      { kind: "setUnlockTime", board: 2, units: 0x0303 },
      { kind: "queryUnlockTime", board: 2 },
    ]);
  });

  it("refuses to encode the one unlock time per board that reads as a query", () => {
    const units = ambiguousUnlockUnits(addrOf(0));
    expect(units >> 8).toBe(0x03);
    let caught: unknown;
    try {
      encode({ kind: "setUnlockTime", board: 0, units });
    } catch (e) {
      caught = e;
    }
    expect(isQhError(caught, "QH_COMMAND_INVALID")).toBe(true);
    expect(encode({ kind: "setUnlockTime", board: 0, units: units + 1 })).toHaveLength(7);
  });

  it("reports a 5-byte 0x38 'reset' (sent by some drivers) as garbage and decodes what follows", () => {
    const d = createKerongDecoder();
    expect(d.push(fromHex("02 00 38 03 3D"))).toEqual([]);
    expect(asExpected(d.push(fromHex("02 00 30 03 35")))).toEqual([
      { ok: false, reason: "garbage", raw: "02 00 38 03 3D" },
      { ok: true, raw: "02 00 30 03 35", msg: { kind: "queryLock", board: 0, lock: 1 } },
    ]);
  });

  it("bounds its buffer under a flood of STX bytes", () => {
    const d = createKerongDecoder();
    const results = d.push(Buffer.alloc(5_000, 0x02));
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(
      d
        .push(fromHex("02 00 30 03 35"))
        .filter((r) => r.ok)
        .map((r) => r.ok && r.msg.kind),
    ).toEqual(["queryLock"]);
  });
});

describe("kerong-cu16 codecs", () => {
  it("puts board and lock in one ADDR byte", () => {
    expect(toHex(encode({ kind: "unlock", board: 3, lock: 6 }))).toBe("02 35 31 03 6B");
    expect(codecs.unlock.decode(fromHex("02 35 31 03 6B"))).toEqual({ kind: "unlock", board: 3, lock: 6 });
  });

  it("describes messages for logs", () => {
    expect(describeMsg({ kind: "unlock", board: 0, lock: 3 })).toBe("Unlock board=0 lock=3");
    expect(describeMsg({ kind: "statusReply", board: 0, lock: 1, hooks: 0xfffe, infrared: 0x0001 })).toBe(
      "StatusReply board=0 lock=1 hooks=0xFFFE infrared=0x0001",
    );
    expect(describeMsg({ kind: "queryBus" })).toBe("QueryBus");
  });

  it("rejects out-of-range fields with QhError", () => {
    const bad = [
      { kind: "unlock", board: 16, lock: 1 },
      { kind: "unlock", board: 0, lock: 17 },
      { kind: "queryLock", board: 0, lock: 0 },
      { kind: "delayedUnlock", board: 0, lock: 1, seconds: 251 },
      { kind: "setUnlockTime", board: 0, units: 70_000 },
      { kind: "setBaudRate", board: 0, baudRate: 38400 },
    ] as unknown as KerongMessage[];
    for (const msg of bad) {
      let caught: unknown;
      try {
        encode(msg);
      } catch (e) {
        caught = e;
      }
      expect(isQhError(caught, "QH_COMMAND_INVALID"), JSON.stringify(msg)).toBe(true);
    }
  });

  it("matches replies to requests", () => {
    const status = { kind: "statusReply", board: 0, lock: 1, hooks: 0, infrared: 0 } as const;
    expect(replyOf({ kind: "unlock", board: 0, lock: 1 })).toEqual({ kind: "statusReply", count: "one" });
    expect(isReplyTo({ kind: "unlock", board: 0, lock: 1 }, status)).toBe(true);
    // the status covers the whole board: the lock nibble it echoes is not compared (issue 7)
    expect(isReplyTo({ kind: "unlock", board: 0, lock: 2 }, status)).toBe(true);
    expect(isReplyTo({ kind: "unlock", board: 0, lock: 5 }, { ...status, cmd: 0x31 })).toBe(true);
    expect(isReplyTo({ kind: "queryLock", board: 0, lock: 9 }, status)).toBe(true);
    expect(isReplyTo({ kind: "unlock", board: 1, lock: 1 }, status)).toBe(false);
    // an echo answers a lock command (no state: the master reads next), never a query
    expect(isReplyTo({ kind: "unlock", board: 0, lock: 3 }, { kind: "unlock", board: 0, lock: 3 })).toBe(
      true,
    );
    expect(isReplyTo({ kind: "unlock", board: 0, lock: 3 }, { kind: "unlock", board: 2, lock: 3 })).toBe(
      false,
    );
    expect(
      isReplyTo({ kind: "queryLock", board: 0, lock: 1 }, { kind: "queryLock", board: 0, lock: 1 }),
    ).toBe(false);
    expect(
      isReplyTo({ kind: "unlock", board: 0, lock: 1 }, { kind: "unlockTimeReply", board: 0, units: 50 }),
    ).toBe(false);
    expect(isReplyTo({ kind: "unlockAll", board: 0 }, status)).toBe(true);
    expect(replyOf({ kind: "queryBus" })).toEqual({ kind: "busStatusReply", count: "many" });
    expect(isReplyTo({ kind: "queryBus" }, { kind: "busStatusReply", board: 7, hooks: 0, infrared: 0 })).toBe(
      true,
    );
    expect(
      isReplyTo(
        { kind: "setUnlockTime", board: 0, units: 9 },
        { kind: "unlockTimeReply", board: 0, units: 9 },
      ),
    ).toBe(true);
    expect(replyOf({ kind: "setBaudRate", board: 0, baudRate: 9600 }).count).toBe("none");
  });
});
