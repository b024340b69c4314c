import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { createInProcessPair } from "../../../src/southbound/serial/in-process.js";

const collect = (t: { on(e: "data", cb: (d: Buffer) => void): unknown }) => {
  const chunks: Buffer[] = [];
  t.on("data", (d: Buffer) => chunks.push(d));
  return chunks;
};

describe("in-process serial pair", () => {
  it("starts open and carries bytes both ways, asynchronously and in order", async () => {
    const [a, b] = createInProcessPair();
    expect(a.isOpen && b.isOpen).toBe(true);
    const atB = collect(b);
    const atA = collect(a);
    const w1 = a.write(Buffer.from([1, 2, 3]));
    const w2 = a.write(Buffer.from([4, 5]));
    expect(atB).toEqual([]); // never synchronous
    await Promise.all([w1, w2, b.write(Buffer.from("ok"))]);
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(atB)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    expect(Buffer.concat(atA).toString()).toBe("ok");
  });

  it("copies written bytes, so the writer may reuse its buffer", async () => {
    const [a, b] = createInProcessPair();
    const atB = collect(b);
    const buf = Buffer.from([9, 9]);
    const w = a.write(buf);
    buf.fill(0);
    await w;
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(atB)).toEqual(Buffer.from([9, 9]));
  });

  it("paces bytes at a baud rate: a write resolves once its last byte has arrived, writes queue in order", async () => {
    const [a, b] = createInProcessPair({ paceBaud: 19200 });
    const atB = collect(b);
    const first = Buffer.alloc(40, 0xaa);
    const second = Buffer.alloc(20, 0x55);
    const w2done: number[] = [];
    const w1 = a.write(first).then(() => w2done.push(Buffer.concat(atB).length));
    const w2 = a.write(second).then(() => w2done.push(Buffer.concat(atB).length));
    await Promise.all([w1, w2]);
    // Each write resolved after its own last byte had arrived (later bytes may have arrived too).
    expect(w2done[0]).toBeGreaterThanOrEqual(40);
    expect(w2done[1]).toBe(60);
    expect(Buffer.concat(atB)).toEqual(Buffer.concat([first, second]));
  });

  it("unplug: the end closes with EIO, refuses to open (ENOENT) until replugged, and writes are refused", async () => {
    const [a] = createInProcessPair();
    const closes: Array<Error | undefined> = [];
    a.on("close", (e?: Error) => closes.push(e));
    a.unplug();
    expect(a.isOpen).toBe(false);
    expect((closes[0] as NodeJS.ErrnoException).code).toBe("EIO");
    await expect(a.open()).rejects.toMatchObject({ code: "ENOENT" });
    const w = await a.write(Buffer.from([1])).catch((e: unknown) => e);
    expect(isQhError(w, "QH_SERIAL_CLOSED")).toBe(true);
    a.replug();
    await a.open();
    expect(a.isOpen).toBe(true);
  });

  it("a closed end hears nothing, and close() emits close without an error", async () => {
    const [a, b] = createInProcessPair();
    const atB = collect(b);
    const closes: Array<Error | undefined> = [];
    b.on("close", (e?: Error) => closes.push(e));
    await b.close();
    expect(closes).toEqual([undefined]);
    await a.write(Buffer.from([1]));
    await new Promise((r) => setImmediate(r));
    expect(atB).toEqual([]);
    await b.open();
    await a.write(Buffer.from([2]));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(atB)).toEqual(Buffer.from([2]));
  });
});
