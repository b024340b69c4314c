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
import type { DoorCause, Outgoing, SimTimingOptions } from "./types.js";
import { SimBase } from "./wire.js";

export interface LockboardSimOptions extends SimTimingOptions {
  /** Board addresses on the line (1–32); default [1]. */
  boards?: readonly number[];
  /** Locks per board (default 24). */
  locksPerBoard?: number;
  /** How boards answer an open: "echo" (default) or "status". */
  openReply?: OpenReplyStyle;
  /** Send 0x82 change pushes on every door change (default false). */
  pushChanges?: boolean;
  /** Extra delay before answering open-all (real boards pulse locks one by one). Default 0. */
  openAllDelayMs?: number;
}

export interface LockboardDoor {
  open: boolean;
  jammed: boolean;
  present: boolean;
  /** Held powered by 0x9A (until 0x9B). */
  held: boolean;
}

interface Board {
  alive: boolean;
  doors: LockboardDoor[];
}

export class LockboardBusSim extends SimBase {
  readonly protocol = "lockboard-xor";
  readonly locksPerBoard: number;
  openReply: OpenReplyStyle;
  pushChanges: boolean;
  private readonly openAllDelayMs: number;
  private readonly boards = new Map<number, Board>();
  private readonly decoder: LockboardDecoder;

  constructor(options: LockboardSimOptions = {}) {
    super(options);
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

  /** Board addresses on this line. */
  get addresses(): number[] {
    return [...this.boards.keys()];
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

  // ── test and demo controls ──

  door(board: number, lock: number): Readonly<LockboardDoor> {
    return { ...this.doorOf(board, lock) };
  }

  isOpen(board: number, lock: number): boolean {
    return this.doorOf(board, lock).open;
  }

  /** Someone shut the door: it latches again. */
  closeDoor(board: number, lock: number): void {
    const door = this.doorOf(board, lock);
    if (!door.open) return;
    door.open = false;
    this.emit("doorClosed", { board, lock, cause: "test" });
    this.push(board, lock, true);
  }

  /** The door is pried open (no command). */
  forceOpen(board: number, lock: number): void {
    const door = this.doorOf(board, lock);
    if (door.open) return;
    door.open = true;
    this.emit("doorOpened", { board, lock, cause: "forced" });
    this.push(board, lock, false);
  }

  /** A jammed door never opens on a pulse; the board still answers. */
  jam(board: number, lock: number, jammed = true): void {
    this.doorOf(board, lock).jammed = jammed;
  }

  /** Parcel present in the compartment (no wire effect in this protocol; kept for demos). */
  setPresent(board: number, lock: number, present = true): void {
    this.doorOf(board, lock).present = present;
  }

  /** The board stops answering (power loss, broken wire). */
  kill(board: number): void {
    this.boardOf(board).alive = false;
  }

  revive(board: number): void {
    this.boardOf(board).alive = true;
  }

  // ── the byte machine ──

  /** Replies go to `out`; change pushes caused by the command go to `pushes` (sent after the reply). */
  private answer(msg: LockboardMessage, out: Outgoing[], pushes: Outgoing[]): void {
    if (!isRequest(msg)) return;
    const board = this.boards.get(msg.board);
    if (!board?.alive) return;
    const n = this.locksPerBoard;
    const reply = (m: LockboardMessage, delayMs?: number): void => {
      out.push(delayMs ? { data: encode(m), delayMs } : { data: encode(m) });
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

  private boardOf(board: number): Board {
    const b = this.boards.get(board);
    if (!b) throw new RangeError(`lockboard sim: no board ${board} on this line`);
    return b;
  }

  private doorOf(board: number, lock: number): LockboardDoor {
    const door = this.boardOf(board).doors[lock - 1];
    if (!door) throw new RangeError(`lockboard sim: board ${board} has no lock ${lock}`);
    return door;
  }
}

export function createLockboardSim(options?: LockboardSimOptions): LockboardBusSim {
  return new LockboardBusSim(options);
}
