/**
 * Simulator of an RS-485 line of Kerong KR-CU16 boards (boards 0–15, 16 locks each, a hook switch
 * and an infrared "item present" sensor per lock). Doors start shut and latched and empty; an unlock
 * opens a door and it STAYS open until closeDoor(). Faults as in the lockboard simulator: jam, kill,
 * forceOpen, injectGarbage. See firmware-protocols/kerong-cu16/SPEC.md.
 */
import {
  createKerongDecoder,
  encode,
  isRequest,
  type KerongDecoder,
  type KerongMessage,
  LOCKS_PER_BOARD,
} from "../protocols/kerong-cu16/index.js";
import { LockBankSim, type SimBoard } from "./lock-bank.js";
import type { DoorCause, Outgoing, SimTimingOptions } from "./types.js";

export interface KerongSimOptions extends SimTimingOptions {
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
  private readonly decoder: KerongDecoder = createKerongDecoder();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: KerongSimOptions = {}) {
    super(options, "kerong");
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
      out.push({ data: encode(m) });
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
    switch (msg.kind) {
      case "queryLock":
        status(msg.lock);
        return;
      case "unlock":
        this.pulse(msg.board, msg.lock, "command");
        status(msg.lock);
        return;
      case "unlockAll":
        for (let lock = 1; lock <= LOCKS_PER_BOARD; lock++) this.pulse(msg.board, lock, "command");
        status(1);
        return;
      case "delayedUnlock": {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (this.boards.get(msg.board)?.alive) this.pulse(msg.board, msg.lock, "delayed");
        }, msg.seconds * 1000);
        t.unref();
        this.timers.add(t);
        status(msg.lock);
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

export function createKerongSim(options?: KerongSimOptions): KerongBusSim {
  return new KerongBusSim(options);
}
