/**
 * The device connection's QoS 1 PUBACKs (src/southbound/mqtt/puback-queue.ts): written in the
 * order the PUBLISHes arrived whatever order their events became durable in, coalesced per turn,
 * never after a failure; reading waits while too many are owed.
 */
import { describe, expect, it } from "vitest";
import { PubackQueue } from "../../../src/southbound/mqtt/puback-queue.js";

/** Packet identifiers of the PUBACKs (MQTT 3.1.1 §3.4: 0x40 0x02 id-MSB id-LSB) in written bytes. */
function ids(chunks: Buffer[]): number[] {
  const all = Buffer.concat(chunks);
  const out: number[] = [];
  for (let i = 0; i < all.length; i += 4) {
    expect(all[i]).toBe(0x40);
    expect(all[i + 1]).toBe(0x02);
    out.push(all.readUInt16BE(i + 2));
  }
  return out;
}

const tick = () => new Promise((r) => process.nextTick(r));

describe("PubackQueue", () => {
  it("writes PUBACKs in arrival order, holding a durable one behind an earlier one not yet durable", async () => {
    const written: Buffer[] = [];
    const q = new PubackQueue((b) => written.push(b) > 0);
    const a = q.reserve(7, 10);
    const b = q.reserve(8, 10);
    const c = q.reserve(65535, 10);
    q.ready(b);
    q.ready(c);
    await tick();
    expect(written).toHaveLength(0); // 7 first (MQTT 3.1.1 §4.6)
    expect(q.size).toBe(3);
    q.ready(a);
    await tick();
    expect(written).toHaveLength(1); // ready in one turn: one socket write
    expect(ids(written)).toEqual([7, 8, 65535]);
    expect(q.size).toBe(0);
    expect(q.written).toBe(3);
  });

  it("lets reading go on under the limits and holds it while too many PUBACKs (or bytes) are owed", async () => {
    const written: Buffer[] = [];
    const q = new PubackQueue((b) => written.push(b) > 0, 2, 1000);
    let read = 0;
    const s1 = q.reserve(1, 100);
    q.admit(() => read++);
    const s2 = q.reserve(2, 100);
    q.admit(() => read++);
    const s3 = q.reserve(3, 100);
    q.admit(() => read++); // 3 owed > 2: held
    expect(read).toBe(2);
    q.ready(s1);
    await tick();
    expect(read).toBe(3); // back to 2 owed
    const big = q.reserve(4, 5000); // bytes over the limit
    q.admit(() => read++);
    expect(read).toBe(3);
    q.ready(s2);
    q.ready(s3);
    q.ready(big);
    await tick();
    expect(read).toBe(4);
    expect(ids(written)).toEqual([1, 2, 3, 4]);
  });

  it("after a failure writes the PUBACKs already due, then nothing more", async () => {
    const written: Buffer[] = [];
    const q = new PubackQueue((b) => written.push(b) > 0, 1, 1000);
    const s1 = q.reserve(1, 1);
    const s2 = q.reserve(2, 1);
    const s3 = q.reserve(3, 1);
    let read = 0;
    q.admit(() => read++); // over the limit: held
    q.ready(s1); // durable, its flush not yet run
    q.ready(s3); // durable, but behind s2
    q.fail(); // s2's event failed
    expect(ids(written)).toEqual([1]);
    q.ready(s2);
    await tick();
    expect(ids(written)).toEqual([1]);
    expect(read).toBe(0);
    q.admit(() => read++);
    expect(read).toBe(0);
  });
});
