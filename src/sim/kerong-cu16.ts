/**
 * Simulator of an RS-485 line of Kerong KR-CU16 boards (boards 0–15, 16 locks each, a hook switch
 * and an infrared "item present" sensor per lock). Doors start shut and latched and empty; an unlock
 * opens a door and it STAYS open until closeDoor(). Faults as in the lockboard simulator: jam, kill,
 * forceOpen, injectGarbage. See firmware-protocols/kerong-cu16/SPEC.md.
 */
import {
  CMD,
  createKerongDecoder,
  encode,
  isRequest,
  type KerongDecoder,
  type KerongMessage,
  LOCKS_PER_BOARD,
} from "../protocols/kerong-cu16/index.js";
import { GARBAGE_REPLY, LockBankSim, type SimBoard } from "./lock-bank.js";
import type { DoorCause, Outgoing, SimTimingOptions } from "./types.js";

/**
 * How a board answers unlock, unlockAll and delayedUnlock (SPEC.md, "Reply forms"):
 *  - "status": `35` status with the request's ADDR (our spec's form; default);
 *  - "status-board": `35` status with lock nibble 0 (`02 00 35 EF FF 00 00 03 28` after lock 5);
 *  - "status-cmd": the 9-byte status with the request's CMD kept and lock nibble 0
 *    (`02 00 31 FE FF 00 00 03 33` after lock 1);
 *  - "echo": the request sent back, 5 (or 6) bytes, no state.
 */
export type KerongUnlockReply = "status" | "status-board" | "status-cmd" | "echo";

export interface KerongSimOptions extends SimTimingOptions {
  /** Shut a door this many ms after a command opened it (LockBankSim.autoCloseMs). */
  autoCloseMs?: number;
  /** How boards answer the commands that move a lock (default "status"). */
  unlockReply?: KerongUnlockReply;
  /** Board addresses on the line (0–15); default [0]. */
  boards?: readonly number[];
  /** Unlock time of every board at start, in 10 ms units (default 50 = 500 ms). */
  unlockTimeUnits?: number;
}

export interface KerongDoor {
  open: boolean;
  jammed: boolean;
  /** Infrared: an item is in the compartment. */
  present: boolean;
}

interface Board extends SimBoard<KerongDoor> {
  unlockTimeUnits: number;
  baudRate: number | undefined;
}

export class KerongBusSim extends LockBankSim<KerongDoor, Board> {
  readonly protocol = "kerong-cu16";
  /** How boards answer the commands that move a lock; may be changed while running. */
  unlockReply: KerongUnlockReply;
  private readonly decoder: KerongDecoder = createKerongDecoder();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: KerongSimOptions = {}) {
    super(options, "kerong");
    this.unlockReply = options.unlockReply ?? "status";
    const units = options.unlockTimeUnits ?? 50;
    for (const address of [...(options.boards ?? [0])].sort((a, b) => a - b)) {
      const doors = Array.from({ length: LOCKS_PER_BOARD }, () => ({
        open: false,
        jammed: false,
        present: false,
      }));
      this.boards.set(address, { alive: true, unlockTimeUnits: units, baudRate: undefined, doors });
    }
  }

  handle(chunk: Buffer): Outgoing[] {
    const out: Outgoing[] = [];
    for (const result of this.decoder.push(chunk)) {
      this.emit("rx", result);
      if (result.ok) this.answer(result.msg, out);
    }
    return out;
  }

  override stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    super.stop();
  }

  // ── test and demo controls (the rest are LockBankSim's) ──

  unlockTimeUnits(board: number): number {
    return this.boardOf(board).unlockTimeUnits;
  }

  /** Baud rate last set by command 0x40 (the simulator keeps talking at the line's rate). */
  baudRateSet(board: number): number | undefined {
    return this.boardOf(board).baudRate;
  }

  // ── the byte machine ──

  private answer(msg: KerongMessage, out: Outgoing[]): void {
    if (!isRequest(msg)) return;
    const reply = (m: KerongMessage): void => {
      if (msg.kind !== "queryBus" && this.replyLost(msg.board)) return;
      const from = msg.kind === "queryBus" && "board" in m ? m.board : "board" in msg ? msg.board : -1;
      out.push({ data: this.garbled(from) ? GARBAGE_REPLY : encode(m) });
    };
    if (msg.kind === "queryBus") {
      for (const [address, board] of this.boards) {
        if (board.alive) reply({ kind: "busStatusReply", board: address, ...this.bitmaps(board) });
      }
      return;
    }
    const board = this.boards.get(msg.board);
    if (!board?.alive) return;
    const status = (lock: number): void =>
      reply({ kind: "statusReply", board: msg.board, lock, ...this.bitmaps(board) });
    // the answer to a command that moves a lock, in this line's reply form
    const moved = (lock: number): void => {
      const form = this.unlockReply;
      if (form === "echo") reply(msg);
      else if (form === "status") status(lock);
      else {
        const cmd = form === "status-cmd" ? { cmd: CMD[KIND_CMD[msg.kind as keyof typeof KIND_CMD]] } : {};
        reply({ kind: "statusReply", board: msg.board, lock: 1, ...this.bitmaps(board), ...cmd });
      }
    };
    switch (msg.kind) {
      case "queryLock":
        status(msg.lock);
        return;
      case "unlock":
        this.pulse(msg.board, msg.lock, "command");
        moved(msg.lock);
        return;
      case "unlockAll":
        for (let lock = 1; lock <= LOCKS_PER_BOARD; lock++) this.pulse(msg.board, lock, "command");
        moved(1);
        return;
      case "delayedUnlock": {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (this.boards.get(msg.board)?.alive) this.pulse(msg.board, msg.lock, "delayed");
        }, msg.seconds * 1000);
        t.unref();
        this.timers.add(t);
        moved(msg.lock);
        return;
      }
      case "queryUnlockTime":
        reply({ kind: "unlockTimeReply", board: msg.board, units: board.unlockTimeUnits });
        return;
      case "setUnlockTime":
        board.unlockTimeUnits = msg.units;
        reply({ kind: "unlockTimeReply", board: msg.board, units: board.unlockTimeUnits });
        return;
      case "setBaudRate":
        board.baudRate = msg.baudRate;
        return;
    }
  }

  private bitmaps(board: Board): { hooks: number; infrared: number } {
    let hooks = 0;
    let infrared = 0;
    board.doors.forEach((d, i) => {
      if (!d.open) hooks |= 1 << i;
      if (d.present) infrared |= 1 << i;
    });
    return { hooks, infrared };
  }

  private pulse(board: number, lock: number, cause: DoorCause): void {
    const door = this.doorOf(board, lock);
    if (door.open || door.jammed) return;
    door.open = true;
    this.emit("doorOpened", { board, lock, cause });
  }
}

const KIND_CMD = { unlock: "UNLOCK", unlockAll: "UNLOCK_ALL", delayedUnlock: "DELAYED_UNLOCK" } as const;

export function createKerongSim(options?: KerongSimOptions): KerongBusSim {
  return new KerongBusSim(options);
}
