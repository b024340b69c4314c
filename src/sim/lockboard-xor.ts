/**
 * Simulator of an RS-485 line of lockboard-xor boards (e.g. 32 boards × 24 locks). Each door is
 * shut and latched at start; a pulse opens it and it STAYS open until a test or the demo calls
 * closeDoor(). Faults: jam (never opens, the board still answers), kill (the board never answers),
 * forceOpen (opened without a command), injectGarbage (noise on the line). Boards push 0x82
 * changes when `pushChanges` is on. See firmware-protocols/lockboard-xor/SPEC.md.
 */
import {
  createLockboardDecoder,
  encode,
  isRequest,
  type LockboardDecoder,
  type LockboardMessage,
  MASK_LOCKS,
  type OpenReplyStyle,
} from "../protocols/lockboard-xor/index.js";
import { GARBAGE_REPLY, LockBankSim, type SimBoard } from "./lock-bank.js";
import type { DoorCause, Outgoing, SimTimingOptions } from "./types.js";

export interface LockboardSimOptions extends SimTimingOptions {
  /** Shut a door this many ms after a command opened it (LockBankSim.autoCloseMs). */
  autoCloseMs?: number;
  /** Board addresses on the line (1–32); default [1]. */
  boards?: readonly number[];
  /** Locks per board (default 24). */
  locksPerBoard?: number;
  /**
   * How boards answer an open: "echo" (default), "status" (`8A B L S X`) or "lockStatus" (a 0x80
   * status frame `80 B L S X`, S1's "passive feedback starts with 0x8A or 0x80").
   */
  openReply?: LockboardSimOpenReply;
  /** Send 0x82 change pushes on every door change (default false). */
  pushChanges?: boolean;
  /** Extra delay before answering open-all (real boards pulse locks one by one). Default 0. */
  openAllDelayMs?: number;
}

export type LockboardSimOpenReply = OpenReplyStyle | "lockStatus";

export interface LockboardDoor {
  open: boolean;
  jammed: boolean;
  present: boolean;
  /** Held powered by 0x9A (until 0x9B). */
  held: boolean;
}

type Board = SimBoard<LockboardDoor>;

export class LockboardBusSim extends LockBankSim<LockboardDoor, Board> {
  readonly protocol = "lockboard-xor";
  readonly locksPerBoard: number;
  openReply: LockboardSimOpenReply;
  pushChanges: boolean;
  private readonly openAllDelayMs: number;
  private readonly decoder: LockboardDecoder;

  constructor(options: LockboardSimOptions = {}) {
    super(options, "lockboard");
    this.locksPerBoard = options.locksPerBoard ?? 24;
    this.openReply = options.openReply ?? "echo";
    this.pushChanges = options.pushChanges ?? false;
    this.openAllDelayMs = options.openAllDelayMs ?? 0;
    this.decoder = createLockboardDecoder({ role: "board", maxLocks: Math.max(this.locksPerBoard, 50) });
    for (const address of options.boards ?? [1]) {
      const doors = Array.from({ length: this.locksPerBoard }, () => ({
        open: false,
        jammed: false,
        present: false,
        held: false,
      }));
      this.boards.set(address, { alive: true, doors });
    }
  }

  handle(chunk: Buffer): Outgoing[] {
    const out: Outgoing[] = [];
    for (const result of this.decoder.push(chunk)) {
      this.emit("rx", result);
      if (!result.ok) continue;
      const pushes: Outgoing[] = [];
      this.answer(result.msg, out, pushes);
      out.push(...pushes);
    }
    return out;
  }

  protected override movedByHand(board: number, lock: number, open: boolean): void {
    this.push(board, lock, !open);
  }

  // ── the byte machine ──

  /** Replies go to `out`; change pushes caused by the command go to `pushes` (sent after the reply). */
  private answer(msg: LockboardMessage, out: Outgoing[], pushes: Outgoing[]): void {
    if (!isRequest(msg)) return;
    const board = this.boards.get(msg.board);
    if (!board?.alive) return;
    const n = this.locksPerBoard;
    const reply = (m: LockboardMessage, delayMs?: number): void => {
      if (this.replyLost(msg.board)) return;
      const data = this.garbled(msg.board) ? GARBAGE_REPLY : encode(m);
      out.push(delayMs ? { data, delayMs } : { data });
    };
    switch (msg.kind) {
      case "openLock": {
        if (msg.lock > n) return;
        this.pulse(msg.board, msg.lock, "command", pushes);
        reply(this.openReplyFor(msg.board, msg.lock, this.doorOf(msg.board, msg.lock).open));
        return;
      }
      case "openAll": {
        for (let lock = 1; lock <= n; lock++) this.pulse(msg.board, lock, "command", pushes);
        const allOpen = board.doors.every((d) => d.open);
        reply(this.openReplyFor(msg.board, 0, allOpen), this.openAllDelayMs);
        return;
      }
      case "queryLock":
        if (msg.lock > n) return;
        reply({
          kind: "lockStatusReply",
          board: msg.board,
          lock: msg.lock,
          closed: !board.doors[msg.lock - 1]!.open,
        });
        return;
      case "queryAll": {
        let closedMask = 0;
        for (let lock = 1; lock <= Math.min(n, MASK_LOCKS); lock++) {
          if (!board.doors[lock - 1]!.open) closedMask |= 1 << (lock - 1);
        }
        reply({ kind: "queryAllReply", board: msg.board, closedMask: closedMask >>> 0 });
        return;
      }
      case "batchOpen":
        for (const lock of msg.locks) if (lock <= n) this.pulse(msg.board, lock, "command", pushes);
        reply({ kind: "batchOpenReply", board: msg.board, locks: msg.locks });
        return;
      case "holdPower": {
        if (msg.lock > n) return;
        const door = this.doorOf(msg.board, msg.lock);
        if (msg.on) this.pulse(msg.board, msg.lock, "command", pushes);
        door.held = msg.on;
        reply({ kind: "holdPowerReply", board: msg.board, lock: msg.lock, on: msg.on });
        return;
      }
    }
  }

  private openReplyFor(board: number, lock: number, open: boolean): LockboardMessage {
    if (this.openReply === "echo")
      return { kind: "openReply", board, lock, style: "echo", result: "accepted" };
    if (this.openReply === "lockStatus" && lock >= 1)
      return { kind: "lockStatusReply", board, lock, closed: !open };
    return { kind: "openReply", board, lock, style: "status", result: open ? "opened" : "stillLocked" };
  }

  /** A lock pulse: the door springs open unless jammed or already open. Pushes go after the reply. */
  private pulse(board: number, lock: number, cause: DoorCause, pushes: Outgoing[]): void {
    const door = this.doorOf(board, lock);
    if (door.open || door.jammed) return;
    door.open = true;
    this.emit("doorOpened", { board, lock, cause });
    if (this.pushChanges) pushes.push({ data: encode({ kind: "pushChange", board, lock, closed: false }) });
  }

  private push(board: number, lock: number, closed: boolean): void {
    if (!this.pushChanges || !this.boards.get(board)?.alive) return;
    this.transmit(encode({ kind: "pushChange", board, lock, closed }));
  }
}

export function createLockboardSim(options?: LockboardSimOptions): LockboardBusSim {
  return new LockboardBusSim(options);
}
