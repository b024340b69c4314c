/**
 * What every lock-board simulator shares: boards on one line, each with doors, and the controls a
 * test or the demo uses in place of hands (shut a door, pry one open, jam a lock, put a parcel in,
 * kill a board). Subclasses add the wire protocol and may react to a door moving by hand
 * (lockboard-xor pushes a change frame).
 */
import type { SimTimingOptions } from "./types.js";
import { SimBase } from "./wire.js";

export interface SimDoor {
  open: boolean;
  jammed: boolean;
  present: boolean;
}

export interface SimBoard<D extends SimDoor> {
  alive: boolean;
  doors: D[];
  /** Replies still to be lost on the wire (the board acts, its answer never arrives). */
  lose?: number;
  /** The board answers every request with bytes that are no frame (a wrong firmware, a bad transceiver). */
  garbled?: boolean;
}

/** What a garbled board puts on the line instead of its answer: no start byte, no checksum. */
export const GARBAGE_REPLY: Buffer = Buffer.from([0x7f, 0x3c, 0x00, 0xa5, 0x5a, 0xff, 0x13]);

export abstract class LockBankSim<D extends SimDoor, B extends SimBoard<D>> extends SimBase {
  protected readonly boards = new Map<number, B>();
  /**
   * The installer's hand on site: a door opened by a command is shut again this many ms later
   * (undefined: doors stay open until closeDoor(), as before). Changeable while running.
   */
  autoCloseMs: number | undefined;
  private readonly closers = new Set<NodeJS.Timeout>();

  constructor(
    options: SimTimingOptions & { autoCloseMs?: number },
    private readonly label: string,
  ) {
    super(options);
    this.autoCloseMs = options.autoCloseMs;
    this.on("doorOpened", (e) => {
      if (e.cause === "command" && this.autoCloseMs !== undefined)
        this.closeAfter(e.board, e.lock, this.autoCloseMs);
    });
  }

  /** Someone shuts the door `ms` from now (a door test's installer; the demo). */
  closeAfter(board: number, lock: number, ms: number): void {
    this.doorOf(board, lock); // a wrong board or lock throws now, not in the timer
    const t = setTimeout(() => {
      this.closers.delete(t);
      this.closeDoor(board, lock);
    }, ms);
    t.unref();
    this.closers.add(t);
  }

  override stop(): void {
    for (const t of this.closers) clearTimeout(t);
    this.closers.clear();
    super.stop();
  }

  /** The board answers garbage (true) or its frames again (false); it still acts on commands. */
  garble(board: number, on = true): void {
    this.boardOf(board).garbled = on;
  }

  /** True when this board's replies are garbage. */
  protected garbled(board: number): boolean {
    return this.boards.get(board)?.garbled === true;
  }

  /** Board addresses on this line. */
  get addresses(): number[] {
    return [...this.boards.keys()];
  }

  door(board: number, lock: number): Readonly<D> {
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
    this.movedByHand(board, lock, false);
  }

  /** The door is pried open (no command). */
  forceOpen(board: number, lock: number): void {
    const door = this.doorOf(board, lock);
    if (door.open) return;
    door.open = true;
    this.emit("doorOpened", { board, lock, cause: "forced" });
    this.movedByHand(board, lock, true);
  }

  /** A jammed door never opens on a pulse; the board still answers. */
  jam(board: number, lock: number, jammed = true): void {
    this.doorOf(board, lock).jammed = jammed;
  }

  /** Parcel present in the compartment (seen by boards with an item sensor). */
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

  /**
   * The board's next `count` replies are lost on the wire (noise, a collision): it still does
   * what it was told (a pulse opens the door), the master hears nothing.
   */
  loseReplies(board: number, count = 1): void {
    const b = this.boardOf(board);
    b.lose = (b.lose ?? 0) + count;
  }

  /** True (and counted) when this reply of the board is to be lost. */
  protected replyLost(board: number): boolean {
    const b = this.boards.get(board);
    if (!b?.lose) return false;
    b.lose--;
    return true;
  }

  /** A door moved without a command; protocols that report changes do so here. */
  protected movedByHand(_board: number, _lock: number, _open: boolean): void {}

  protected boardOf(board: number): B {
    const b = this.boards.get(board);
    if (!b) throw new RangeError(`${this.label} sim: no board ${board} on this line`);
    return b;
  }

  protected doorOf(board: number, lock: number): D {
    const door = this.boardOf(board).doors[lock - 1];
    if (!door) throw new RangeError(`${this.label} sim: board ${board} has no lock ${lock}`);
    return door;
  }
}
