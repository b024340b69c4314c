import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../src/protocols/bytes.js";
import { createLockboardDecoder, encode } from "../../../src/protocols/lockboard-xor/index.js";
import { LockboardBusSim, type LockboardSimOptions } from "../../../src/sim/lockboard-xor.js";
import type { ByteEndpoint, DoorEvent } from "../../../src/sim/types.js";
import type { SerialTransport } from "../../../src/southbound/serial/transport.js";
import { loadVectors, wireBytes } from "../protocols/vectors.js";
import { applyDoorOp, captureTx, playExchange } from "./exchange.js";

const file = loadVectors("lockboard-xor");
const sims: LockboardBusSim[] = [];
function sim(options: LockboardSimOptions = {}): LockboardBusSim {
  const s = new LockboardBusSim(options);
  sims.push(s);
  return s;
}
afterEach(() => {
  for (const s of sims.splice(0)) s.stop();
});

const bytes = (name: string): Buffer => wireBytes(file, name);

describe("lockboard-xor simulator answers the vector requests with the vector replies", () => {
  for (const ex of file.exchanges) {
    it(`${ex.name}${ex.note ? `: ${ex.note}` : ""}`, async () => {
      await playExchange(file, ex, sim(ex.sim as LockboardSimOptions), applyDoorOp);
    });
  }

  it("gives the same replies from the pure byte machine (handle)", () => {
    const s = sim({ boards: [1, 2] });
    expect(toHex(Buffer.concat(s.handle(bytes("query-lock")).map((o) => o.data)))).toBe(
      toHex(bytes("lock-status-closed")),
    );
    expect(toHex(Buffer.concat(s.handle(bytes("open-lock")).map((o) => o.data)))).toBe(
      toHex(bytes("open-reply-echo")),
    );
    expect(toHex(Buffer.concat(s.handle(bytes("query-lock")).map((o) => o.data)))).toBe(
      toHex(bytes("lock-status-open")),
    );
  });
});

describe("lockboard-xor simulator doors", () => {
  it("keeps a door open after the pulse until closeDoor(), with events", async () => {
    const s = sim({ boards: [1], openReply: "status" });
    const events: string[] = [];
    s.on("doorOpened", (e: DoorEvent) => events.push(`opened ${e.board}/${e.lock} ${e.cause}`));
    s.on("doorClosed", (e: DoorEvent) => events.push(`closed ${e.board}/${e.lock} ${e.cause}`));
    expect(await captureTx(s, () => s.receive(bytes("open-lock")))).toEqual(
      bytes("open-reply-status-opened"),
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(s.isOpen(1, 1)).toBe(true);
    expect(await captureTx(s, () => s.receive(bytes("query-lock")))).toEqual(bytes("lock-status-open"));
    // a second pulse on an open door changes nothing and reports it open
    expect(await captureTx(s, () => s.receive(bytes("open-lock")))).toEqual(
      bytes("open-reply-status-opened"),
    );
    s.closeDoor(1, 1);
    expect(await captureTx(s, () => s.receive(bytes("query-lock")))).toEqual(bytes("lock-status-closed"));
    expect(events).toEqual(["opened 1/1 command", "closed 1/1 test"]);
  });

  it("never opens a jammed door, but the board still answers", async () => {
    const s = sim({ boards: [1], openReply: "status" });
    s.jam(1, 2);
    const opened: DoorEvent[] = [];
    s.on("doorOpened", (e: DoorEvent) => opened.push(e));
    const reply = await captureTx(s, () => s.receive(encode({ kind: "openLock", board: 1, lock: 2 })));
    expect(
      createLockboardDecoder({ openReply: "status" })
        .push(reply)
        .map((r) => r.ok && r.msg),
    ).toEqual([{ kind: "openReply", board: 1, lock: 2, style: "status", result: "stillLocked" }]);
    expect(s.door(1, 2)).toEqual({ open: false, jammed: true, present: false, held: false });
    expect(opened).toEqual([]);
    s.jam(1, 2, false);
    await captureTx(s, () => s.receive(encode({ kind: "openLock", board: 1, lock: 2 })));
    expect(s.isOpen(1, 2)).toBe(true);
  });

  it("a dead board never answers; revived, it answers again; other boards are unaffected", async () => {
    const s = sim({ boards: [1, 2] });
    s.kill(2);
    expect(await captureTx(s, () => s.receive(bytes("query-board-2")))).toHaveLength(0);
    expect(await captureTx(s, () => s.receive(encode({ kind: "openLock", board: 2, lock: 1 })))).toHaveLength(
      0,
    );
    expect(s.isOpen(2, 1)).toBe(false);
    expect(await captureTx(s, () => s.receive(bytes("query-lock")))).toEqual(bytes("lock-status-closed"));
    s.revive(2);
    const reply = await captureTx(s, () => s.receive(bytes("query-board-2")));
    expect(
      createLockboardDecoder()
        .push(reply)
        .map((r) => r.ok && r.msg),
    ).toEqual([{ kind: "lockStatusReply", board: 2, lock: 1, closed: true }]);
  });

  it("puts garbage on the line and still answers a request that follows noise", async () => {
    const s = sim({ boards: [1] });
    const tx = await captureTx(s, () => {
      s.injectGarbage([0x80, 0x01]);
      s.receive(Buffer.concat([fromHex("FF 8A"), bytes("query-lock")]));
    });
    expect(toHex(tx)).toBe(`80 01 ${toHex(bytes("lock-status-closed"))}`);
    // the master's decoder skips the garbage and keeps the reply
    const results = createLockboardDecoder().push(tx);
    expect(results.map((r) => (r.ok ? r.msg.kind : r.reason))).toEqual(["garbage", "lockStatusReply"]);
  });

  it("pushes a change after the open reply when active feedback is on", async () => {
    const s = sim({ boards: [1], pushChanges: true });
    const tx = await captureTx(s, () => s.receive(encode({ kind: "openLock", board: 1, lock: 3 })));
    const openReply = encode({ kind: "openReply", board: 1, lock: 3, style: "echo", result: "accepted" });
    expect(toHex(tx)).toBe(toHex(Buffer.concat([openReply, bytes("push-open")])));
  });

  it("hosts 32 boards of 24 locks on one line", async () => {
    const boards = Array.from({ length: 32 }, (_, i) => i + 1);
    const s = sim({ boards });
    const d = createLockboardDecoder();
    for (const board of boards) {
      d.expect({ kind: "queryAll", board });
      const reply = await captureTx(s, () => s.receive(encode({ kind: "queryAll", board })));
      expect(d.push(reply).map((r) => r.ok && r.msg)).toEqual([
        { kind: "queryAllReply", board, closedMask: 0xffffff },
      ]);
    }
    await captureTx(s, () => s.receive(encode({ kind: "openLock", board: 32, lock: 24 })));
    expect(s.isOpen(32, 24)).toBe(true);
    expect(s.isOpen(31, 24)).toBe(false);
  });

  it("rejects controls for boards or locks that are not there", () => {
    const s = sim({ boards: [1], locksPerBoard: 8 });
    expect(() => s.forceOpen(2, 1)).toThrow(RangeError);
    expect(() => s.jam(1, 9)).toThrow(RangeError);
  });
});

describe("lockboard-xor simulator timing", () => {
  it("trickles replies out at wire speed with paceBaud", async () => {
    const s = sim({ boards: [1], paceBaud: 9600 });
    const slices: Array<{ b: Buffer; at: number }> = [];
    s.on("tx", (b: Buffer) => slices.push({ b, at: performance.now() }));
    const t0 = performance.now();
    s.receive(bytes("query-all"));
    await s.idle();
    const elapsed = performance.now() - t0;
    expect(Buffer.concat(slices.map((x) => x.b))).toEqual(bytes("query-all-reply-all-closed"));
    // Paced, whatever the machine's load: no byte leaves before its wire time (a late timer may
    // deliver several due bytes in one slice, never early ones).
    const byteMs = 10_000 / 9600;
    let sent = 0;
    for (const { b, at } of slices) {
      sent += b.length;
      expect(at - t0).toBeGreaterThanOrEqual(sent * byteMs - 0.5);
    }
    expect(elapsed).toBeGreaterThanOrEqual(7 * byteMs - 0.5); // 7 bytes × 1.04 ms
  });

  it("waits the turnaround and the open-all delay before answering", async () => {
    const s = sim({ boards: [1], turnaroundMs: 15, openAllDelayMs: 40 });
    let t0 = performance.now();
    await captureTx(s, () => s.receive(bytes("query-lock")));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(14);
    t0 = performance.now();
    const tx = await captureTx(s, () => s.receive(bytes("open-all")));
    expect(tx).toEqual(bytes("open-all-reply-echo"));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(54);
  });

  it("attaches to any endpoint with write() and on('data'), and detaches", async () => {
    // compile-time: the gateway's SerialTransport is a ByteEndpoint as it is
    const asEndpoint = (t: SerialTransport): ByteEndpoint => t;
    expect(typeof asEndpoint).toBe("function");
    const s = sim({ boards: [1] });
    class Endpoint extends EventEmitter {
      written: Buffer[] = [];
      write(data: Buffer): Promise<void> {
        this.written.push(data);
        return Promise.resolve();
      }
    }
    const ep = new Endpoint();
    const detach = s.attach(ep);
    ep.emit("data", bytes("query-lock").subarray(0, 2));
    ep.emit("data", bytes("query-lock").subarray(2));
    await s.idle();
    expect(Buffer.concat(ep.written)).toEqual(bytes("lock-status-closed"));
    detach();
    ep.emit("data", bytes("query-lock"));
    await s.idle();
    expect(ep.written).toHaveLength(1);
    expect(ep.listenerCount("data")).toBe(0);
  });

  it("reports a failing endpoint write as writeError", async () => {
    const s = sim({ boards: [1] });
    const ep = Object.assign(new EventEmitter(), {
      write: (): Promise<void> => Promise.reject(new Error("EIO")),
    });
    s.attach(ep);
    const errors: Error[] = [];
    s.on("writeError", (e: Error) => errors.push(e));
    ep.emit("data", bytes("query-lock"));
    await s.idle();
    await new Promise((r) => setTimeout(r, 5));
    expect(errors.map((e) => e.message)).toEqual(["EIO"]);
  });
});
