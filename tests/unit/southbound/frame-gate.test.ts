import { describe, expect, it } from "vitest";
import { CONNECT_MAX_BYTES, FrameGate } from "../../../src/southbound/mqtt/frame-gate.js";

const b = (...bytes: number[]) => Uint8Array.from(bytes);

describe("FrameGate: MQTT fixed headers over a byte stream", () => {
  it("passes packets within their limits, headers split across chunks and several packets per chunk", () => {
    const g = new FrameGate(300);
    // PINGREQ (0 length), then a PUBLISH of 200 bytes whose 2-byte varint (200 = 0xc8 0x01) is split
    expect(g.feed(b(0xc0, 0x00, 0x30, 0xc8))).toBeUndefined();
    expect(g.feed(b(0x01))).toBeUndefined();
    expect(g.feed(new Uint8Array(150))).toBeUndefined();
    // the body's last 50 bytes, then a whole PINGREQ in the same chunk, then a CONNECT header
    expect(g.feed(Uint8Array.from([...new Uint8Array(50), 0xc0, 0x00, 0x10, 0x0a]))).toBeUndefined();
    expect(g.feed(new Uint8Array(10))).toBeUndefined();
    // a CONNECT may be bigger than maxPacket, up to CONNECT_MAX_BYTES
    expect(g.feed(b(0x10, 0x80, 0x80, 0x01))).toBeUndefined(); // 16384
    expect(CONNECT_MAX_BYTES).toBe(16384);
  });

  it("refuses a packet announcing more than its limit, on the header, and stays refused", () => {
    const g = new FrameGate(300);
    expect(g.feed(b(0x30, 0xac, 0x02))).toBeUndefined(); // 300: exactly the limit
    expect(g.feed(new Uint8Array(300))).toBeUndefined();
    const r = g.feed(b(0x30, 0xad, 0x02)); // 301
    expect(r).toEqual({ type: 3, length: 301, limit: 300 });
    expect(g.feed(b(0xc0, 0x00))).toEqual(r);
  });

  it("refuses a CONNECT over 16 KiB and a 256 MB one on its header", () => {
    expect(new FrameGate(1_000_000).feed(b(0x10, 0x81, 0x80, 0x01))).toEqual({
      type: 1,
      length: 16385,
      limit: 16384,
    });
    const r = new FrameGate(1_000_000).feed(b(0x10, 0xb8, 0xf4, 0xff, 0x7f));
    expect(r?.type).toBe(1);
    expect(r?.limit).toBe(16384);
  });

  it("refuses a remaining length longer than 4 bytes", () => {
    const g = new FrameGate(1 << 30);
    const r = g.feed(b(0x30, 0x80, 0x80, 0x80, 0x80, 0x01));
    expect(r).toEqual({ type: 3, limit: 1 << 30 });
    expect(g.feed(b(0xc0, 0x00))).toEqual(r);
  });
});
