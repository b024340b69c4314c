/** Plays the `exchanges` of a vectors.json against a simulator, through its real line side. */
import { expect } from "vitest";
import { fromHex, toHex } from "../../../src/protocols/bytes.js";
import type { Simulator } from "../../../src/sim/types.js";
import { type Exchange, type SimOp, type VectorFile, wireBytes } from "../protocols/vectors.js";

/** Per-lock test controls the lock-board simulators share. */
export interface DoorControls {
  forceOpen(board: number, lock: number): void;
  closeDoor(board: number, lock: number): void;
  jam(board: number, lock: number): void;
  setPresent(board: number, lock: number, present?: boolean): void;
  kill(board: number): void;
  loseReplies(board: number, count?: number): void;
}

export function applyDoorOp(sim: Simulator & DoorControls, op: SimOp): void {
  const locks = op.locks ?? (op.lock !== undefined ? [op.lock] : []);
  const board = op.board ?? 0;
  switch (op.op) {
    case "forceOpen":
      for (const lock of locks) sim.forceOpen(board, lock);
      return;
    case "closeDoor":
      for (const lock of locks) sim.closeDoor(board, lock);
      return;
    case "jam":
      for (const lock of locks) sim.jam(board, lock);
      return;
    case "setPresent":
      for (const lock of locks) sim.setPresent(board, lock, true);
      return;
    case "kill":
      sim.kill(board);
      return;
    case "loseReplies":
      sim.loseReplies(board);
      return;
    case "injectGarbage":
      sim.injectGarbage(fromHex(op.hex ?? ""));
      return;
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

/** Bytes the simulator puts on the line while `action` runs and until its queue drains. */
export async function captureTx(sim: Simulator, action: () => void): Promise<Buffer> {
  const got: Buffer[] = [];
  const onTx = (b: Buffer): void => {
    got.push(b);
  };
  sim.on("tx", onTx);
  try {
    action();
    await sim.idle();
  } finally {
    sim.off("tx", onTx);
  }
  return Buffer.concat(got);
}

export async function playExchange<S extends Simulator>(
  file: VectorFile,
  ex: Exchange,
  sim: S,
  applyOp: (sim: S, op: SimOp) => void,
): Promise<void> {
  for (const [i, step] of ex.steps.entries()) {
    const tx = await captureTx(sim, () => {
      if ("send" in step) sim.receive(wireBytes(file, step.send));
      else applyOp(sim, step.do);
    });
    const want = Buffer.concat(step.reply.map((r) => wireBytes(file, r)));
    expect(toHex(tx), `${ex.name} step ${i + 1}`).toBe(toHex(want));
  }
}
