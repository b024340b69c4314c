import { afterEach, describe, expect, it, vi } from "vitest";
import { fromHex, toHex } from "../../../src/protocols/bytes.js";
import { createKerongDecoder, encode, locksFromBitmaps } from "../../../src/protocols/kerong-cu16/index.js";
import { KerongBusSim, type KerongSimOptions } from "../../../src/sim/kerong-cu16.js";
import type { DoorEvent } from "../../../src/sim/types.js";
import { loadVectors, wireBytes } from "../protocols/vectors.js";
import { applyDoorOp, captureTx, playExchange } from "./exchange.js";

const file = loadVectors("kerong-cu16");
const sims: KerongBusSim[] = [];
function sim(options: KerongSimOptions = {}): KerongBusSim {
  const s = new KerongBusSim(options);
  sims.push(s);
  return s;
}
afterEach(() => {
  vi.useRealTimers();
  for (const s of sims.splice(0)) s.stop();
});
const bytes = (name: string): Buffer => wireBytes(file, name);

function statusOf(reply: Buffer) {
  const [r] = createKerongDecoder().push(reply);
  if (!r?.ok || r.msg.kind !== "statusReply") throw new Error(`not a status reply: ${toHex(reply)}`);
  return locksFromBitmaps(r.msg.hooks, r.msg.infrared);
}

describe("kerong-cu16 simulator answers the vector requests with the vector replies", () => {
  for (const ex of file.exchanges) {
    it(`${ex.name}${ex.note ? `: ${ex.note}` : ""}`, async () => {
      await playExchange(file, ex, sim(ex.sim as KerongSimOptions), applyDoorOp);
    });
  }
});

describe("kerong-cu16 simulator doors", () => {
  it("keeps a door open until closeDoor(), hook and infrared independent", async () => {
    const s = sim({ boards: [0] });
    const events: string[] = [];
    s.on("doorOpened", (e: DoorEvent) => events.push(`opened ${e.lock} ${e.cause}`));
    s.on("doorClosed", (e: DoorEvent) => events.push(`closed ${e.lock} ${e.cause}`));
    s.setPresent(0, 5);
    await captureTx(s, () => s.receive(encode({ kind: "unlock", board: 0, lock: 5 })));
    await new Promise((r) => setTimeout(r, 20));
    let lock5 = statusOf(await captureTx(s, () => s.receive(bytes("query-lock"))))[4];
    expect(lock5).toEqual({ lock: 5, closed: false, present: true });
    s.setPresent(0, 5, false);
    s.closeDoor(0, 5);
    lock5 = statusOf(await captureTx(s, () => s.receive(bytes("query-lock"))))[4];
    expect(lock5).toEqual({ lock: 5, closed: true, present: false });
    expect(events).toEqual(["opened 5 command", "closed 5 test"]);
  });

  it("forceOpen shows in the status without any command", async () => {
    const s = sim({ boards: [0] });
    s.forceOpen(0, 16);
    const locks = statusOf(await captureTx(s, () => s.receive(bytes("query-lock"))));
    expect(locks.filter((l) => !l.closed).map((l) => l.lock)).toEqual([16]);
  });

  it("opens a delayed unlock only after its delay", () => {
    vi.useFakeTimers();
    const s = sim({ boards: [0] });
    const replies = s.handle(encode({ kind: "delayedUnlock", board: 0, lock: 3, seconds: 10 }));
    expect(replies.map((o) => toHex(o.data))).toEqual([toHex(bytes("status-l3-closed"))]);
    vi.advanceTimersByTime(9_999);
    expect(s.isOpen(0, 3)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(s.isOpen(0, 3)).toBe(true);
  });

  it("a delayed unlock does not fire after stop()", () => {
    vi.useFakeTimers();
    const s = sim({ boards: [0] });
    s.handle(encode({ kind: "delayedUnlock", board: 0, lock: 3, seconds: 1 }));
    s.stop();
    vi.advanceTimersByTime(5_000);
    expect(s.isOpen(0, 3)).toBe(false);
  });

  it("jammed door stays latched; dead board is silent even on the bus query", async () => {
    const s = sim({ boards: [0, 1, 2] });
    s.jam(0, 1);
    const locks = statusOf(await captureTx(s, () => s.receive(bytes("unlock-all"))));
    expect(locks.filter((l) => l.closed).map((l) => l.lock)).toEqual([1]);
    s.kill(1);
    const bus = await captureTx(s, () => s.receive(bytes("query-bus")));
    const results = createKerongDecoder().push(bus);
    expect(results.map((r) => r.ok && r.msg.kind === "busStatusReply" && r.msg.board)).toEqual([0, 2]);
  });

  it("records the unlock time and baud rate it is sent", async () => {
    const s = sim({ boards: [0], unlockTimeUnits: 30 });
    await captureTx(s, () => s.receive(encode({ kind: "setUnlockTime", board: 0, units: 250 })));
    expect(s.unlockTimeUnits(0)).toBe(250);
    expect(
      await captureTx(s, () => s.receive(encode({ kind: "setBaudRate", board: 0, baudRate: 57600 }))),
    ).toHaveLength(0);
    expect(s.baudRateSet(0)).toBe(57600);
  });

  it("ignores garbage from the master and answers what follows", async () => {
    const s = sim({ boards: [0] });
    const tx = await captureTx(s, () =>
      s.receive(Buffer.concat([fromHex("02 02 FF 13"), bytes("query-lock")])),
    );
    expect(tx).toEqual(bytes("status-closed"));
  });
});
