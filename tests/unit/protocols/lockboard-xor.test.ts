import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { fromHex, toHex } from "../../../src/protocols/bytes.js";
import {
  codecs,
  createLockboardDecoder,
  describe as describeMsg,
  encode,
  isReplyTo,
  type LockboardDecoderOptions,
  type LockboardMessage,
  type LockboardRequest,
  locksFromMask,
  replyKindOf,
} from "../../../src/protocols/lockboard-xor/index.js";
import { asExpected, loadVectors, stripHelpers, vector } from "./vectors.js";

const file = loadVectors("lockboard-xor");

function decodeVector(name: string, chunks?: Buffer[]) {
  const v = vector(file, name);
  const decoder = createLockboardDecoder(v.decoder as LockboardDecoderOptions | undefined);
  if (v.expectRequest) decoder.expect(v.expectRequest as unknown as LockboardMessage);
  return (chunks ?? v.chunks.map(fromHex)).flatMap((c) => decoder.push(c));
}

describe("lockboard-xor vectors", () => {
  it("has vectors of every message kind", () => {
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
        if (e.closedLocks && e.msg?.kind === "queryAllReply") {
          const locks = locksFromMask(e.msg.closedMask as number);
          expect(locks.filter((l) => l.closed).map((l) => l.lock)).toEqual(e.closedLocks);
          expect(locks).toHaveLength(24);
        }
      }
    });

    if (v.encode) {
      it(`encodes ${v.name}`, () => {
        const e = v.expect[0]!;
        expect(toHex(encode(e.msg as unknown as LockboardMessage))).toBe(e.raw);
      });
    }

    const single = v.expect.length === 1 && v.expect[0]!.ok;
    if (single) {
      it(`decodes ${v.name} fed one byte at a time`, () => {
        const bytes = Buffer.concat(v.chunks.map(fromHex));
        const oneByOne = [...bytes].map((b) => Buffer.from([b]));
        expect(asExpected(decodeVector(v.name, oneByOne))).toEqual(stripHelpers(v.expect));
      });
    }
  }
});

describe("lockboard-xor decoder", () => {
  it("finds every frame in a long stream of frames, noise and bad frames", () => {
    // all master-role vectors with the default (auto) setting, separated by noise without header bytes
    const picked = file.vectors.filter(
      (v) => v.decoder?.role === "master" && v.decoder.openReply === undefined && !v.expectRequest,
    );
    expect(picked.length).toBeGreaterThan(5);
    const decoder = createLockboardDecoder({ role: "master" });
    const noise = fromHex("00 13 FF 7E");
    const stream = Buffer.concat(picked.flatMap((v) => [noise, ...v.chunks.map(fromHex)]));
    const results = [];
    for (let i = 0; i < stream.length; i += 3) results.push(...decoder.push(stream.subarray(i, i + 3)));
    results.push(...decoder.push(noise)); // flush a trailing 0x80 frame that could still grow to 7 bytes
    const good = results.filter((r) => r.ok).map((r) => toHex(r.raw));
    const wanted = picked.flatMap((v) => v.expect.filter((e) => e.ok).map((e) => e.raw));
    expect(good).toEqual(wanted);
  });

  it("tells echo and status open replies apart and applies the model setting to 0x11", () => {
    const echo = fromHex("8A 01 01 11 9B");
    const status = fromHex("8A 01 01 00 8A");
    const auto = createLockboardDecoder();
    expect(auto.push(Buffer.concat([echo, status])).map((r) => r.ok && r.msg)).toEqual([
      { kind: "openReply", board: 1, lock: 1, style: "echo", result: "accepted" },
      { kind: "openReply", board: 1, lock: 1, style: "status", result: "opened" },
    ]);
    const statusModel = createLockboardDecoder({ openReply: "status" });
    expect(statusModel.push(echo).map((r) => r.ok && r.msg)).toEqual([
      { kind: "openReply", board: 1, lock: 1, style: "status", result: "stillLocked" },
    ]);
  });

  it("reads 0x80 as 5 bytes without an expect() hint when only 5 have arrived", () => {
    // the documented limit: the first 5 bytes of this query-all reply pass as a status reply
    const d = createLockboardDecoder();
    const reply = fromHex("80 01 01 00 80 33 33");
    expect(asExpected(d.push(reply.subarray(0, 5)))).toEqual([
      { ok: true, raw: "80 01 01 00 80", msg: { kind: "lockStatusReply", board: 1, lock: 1, closed: false } },
    ]);
    // with the whole reply in one chunk it is read right
    const d2 = createLockboardDecoder();
    expect(d2.push(reply).map((r) => r.ok && r.msg.kind)).toEqual(["queryAllReply"]);
  });

  it("drops the query-all hint once answered, and on reset()", () => {
    const d = createLockboardDecoder();
    d.expect({ kind: "queryAll", board: 1 });
    expect(d.push(fromHex("80 01 FF FF FF 33 4D")).map((r) => r.ok && r.msg.kind)).toEqual(["queryAllReply"]);
    expect(d.push(fromHex("80 01 01 11 91")).map((r) => r.ok && r.msg.kind)).toEqual(["lockStatusReply"]);
    d.expect({ kind: "queryAll", board: 1 });
    d.reset();
    expect(d.push(fromHex("80 01 01 11 91")).map((r) => r.ok && r.msg.kind)).toEqual(["lockStatusReply"]);
  });

  it("keeps a partial frame across chunks and forgets it on reset()", () => {
    const d = createLockboardDecoder({ role: "board" });
    expect(d.push(fromHex("8A 01 01"))).toEqual([]);
    d.reset();
    expect(d.push(fromHex("11 9B 80 01 01 33 B3")).map((r) => (r.ok ? r.msg.kind : r.reason))).toEqual([
      "garbage",
      "queryLock",
    ]);
  });

  it("bounds its buffer under a flood of header-like bytes", () => {
    const d = createLockboardDecoder();
    const flood = Buffer.alloc(10_000, 0x80);
    const results = d.push(flood);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(results.reduce((n, r) => n + r.raw.length, 0)).toBeGreaterThan(9_990);
    expect(d.push(fromHex("8A 01 01 00 8A")).filter((r) => r.ok)).toHaveLength(1);
  });

  it("ignores frames from the other direction's header set", () => {
    // a board never sees 0x82 (a push): it is garbage to the board decoder
    const d = createLockboardDecoder({ role: "board" });
    expect(asExpected(d.push(fromHex("82 01 03 00 8A 01 01 11 9B")))).toEqual([
      { ok: false, reason: "garbage", raw: "82 01 03 00" },
      { ok: true, raw: "8A 01 01 11 9B", msg: { kind: "openLock", board: 1, lock: 1 } },
    ]);
  });
});

describe("lockboard-xor codecs", () => {
  it("describes messages for logs", () => {
    expect(describeMsg({ kind: "queryAll", board: 1 })).toBe("QueryAll board=1");
    expect(describeMsg({ kind: "openLock", board: 3, lock: 7 })).toBe("OpenLock board=3 lock=7");
    expect(describeMsg({ kind: "queryAllReply", board: 1, closedMask: 0x81 })).toBe(
      "QueryAllReply board=1 closed=[1,8]",
    );
    expect(describeMsg({ kind: "openReply", board: 1, lock: 1, style: "echo", result: "accepted" })).toBe(
      "OpenReply board=1 lock=1 style=echo result=accepted",
    );
  });

  it("rejects out-of-range fields with QhError", () => {
    const bad: LockboardMessage[] = [
      { kind: "openLock", board: 0, lock: 1 },
      { kind: "openLock", board: 33, lock: 1 },
      { kind: "queryLock", board: 1, lock: 0 },
      { kind: "openLock", board: 1, lock: 51 },
      { kind: "batchOpen", board: 1, locks: [25] },
      { kind: "queryAllReply", board: 1, closedMask: 0x1000000 },
      { kind: "openReply", board: 1, lock: 1, style: "echo", result: "opened" },
    ];
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

  it("decodes only its own kind", () => {
    expect(codecs.openLock.decode(fromHex("8A 01 00 11 9A"))).toBeUndefined();
    expect(codecs.openAll.decode(fromHex("8A 01 00 11 9A"))).toEqual({ kind: "openAll", board: 1 });
    expect(codecs.queryLock.decode(fromHex("80 01 01 33 B4"))).toBeUndefined();
    expect(codecs.lockStatusReply.decode(fromHex("80 01 01 33 B3"))).toBeUndefined();
  });

  it("matches replies to requests by kind, board and lock", () => {
    const open: LockboardRequest = { kind: "openLock", board: 1, lock: 2 };
    expect(replyKindOf(open)).toBe("openReply");
    expect(isReplyTo(open, { kind: "openReply", board: 1, lock: 2, style: "echo", result: "accepted" })).toBe(
      true,
    );
    expect(isReplyTo(open, { kind: "openReply", board: 1, lock: 3, style: "echo", result: "accepted" })).toBe(
      false,
    );
    expect(isReplyTo(open, { kind: "openReply", board: 2, lock: 2, style: "echo", result: "accepted" })).toBe(
      false,
    );
    // S1: boards answer a command with a 0x8A or a 0x80 frame alike; a state of the lock answers it
    expect(isReplyTo(open, { kind: "lockStatusReply", board: 1, lock: 2, closed: false })).toBe(true);
    expect(isReplyTo(open, { kind: "lockStatusReply", board: 1, lock: 3, closed: false })).toBe(false);
    // a query-all reply during an open is a late answer to an earlier query, not this one's
    expect(isReplyTo(open, { kind: "queryAllReply", board: 1, closedMask: 0 })).toBe(false);
    // a push answers nothing: it is a change report of its own
    expect(isReplyTo(open, { kind: "pushChange", board: 1, lock: 2, closed: false })).toBe(false);
    const q: LockboardRequest = { kind: "queryLock", board: 1, lock: 2 };
    expect(isReplyTo(q, { kind: "openReply", board: 1, lock: 2, style: "status", result: "opened" })).toBe(
      true,
    );
    expect(isReplyTo(q, { kind: "openReply", board: 1, lock: 2, style: "echo", result: "accepted" })).toBe(
      false,
    );
    const all: LockboardRequest = { kind: "openAll", board: 1 };
    expect(isReplyTo(all, { kind: "openReply", board: 1, lock: 0, style: "status", result: "opened" })).toBe(
      true,
    );
    expect(isReplyTo(all, { kind: "openReply", board: 1, lock: 2, style: "status", result: "opened" })).toBe(
      false,
    );
    expect(
      isReplyTo({ kind: "queryAll", board: 4 }, { kind: "queryAllReply", board: 4, closedMask: 0 }),
    ).toBe(true);
    expect(
      isReplyTo(
        { kind: "queryLock", board: 4, lock: 1 },
        { kind: "lockStatusReply", board: 4, lock: 1, closed: true },
      ),
    ).toBe(true);
    expect(
      isReplyTo(
        { kind: "batchOpen", board: 1, locks: [2, 10] },
        { kind: "batchOpenReply", board: 1, locks: [2, 10] },
      ),
    ).toBe(true);
    expect(
      isReplyTo(
        { kind: "holdPower", board: 1, lock: 1, on: true },
        { kind: "holdPowerReply", board: 1, lock: 1, on: false },
      ),
    ).toBe(false);
  });
});
