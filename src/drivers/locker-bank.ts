/**
 * The locker-bank driver: turns a device model (boards, locks → compartments) and a lock-board
 * protocol adapter into the locker domain's LockPort, and door samples from the bus into the
 * domain's DoorInput.
 *
 *   LockPort.open(ref) ─► compartment → (board address, lock) ─► bus master (command, moves: once)
 *        answer with state ─► door samples;  echo, no answer, not understood ─► read the board first
 *   poll cycle ─► one whole-board read per board ─► change-only door reports ─► DoorInput.onDoor
 *   board unreachable / back ─► DoorInput.onReachability
 *
 * Door truth comes from the sensors only: a pulse resolving means the board took it, nothing more.
 */
import { isQhError, QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { CompartmentRef, DoorInput, LockerBankLayout, LockPort } from "../domain/locker/ports.js";
import type { BusMaster } from "../southbound/serial/bus-master.js";
import type { DoorSample, LockBoardAdapter } from "./lock-board-adapter.js";

export interface BankBoard {
  /** index into the model's boards */
  index: number;
  address: number;
  locks: number;
  presence: boolean;
}

export interface BankCompartment {
  id: string;
  board: number;
  lock: number;
}

export interface LockerBankDriverOptions<M> {
  device: string;
  boards: BankBoard[];
  compartments: BankCompartment[];
  bus: BusMaster<M>;
  adapter: LockBoardAdapter<M>;
  doors: DoorInput;
  log: Logger;
  clock?: { now(): number };
}

interface Known {
  open: boolean;
  present?: boolean;
}

export class LockerBankDriver<M> implements LockPort {
  readonly device: string;
  private readonly byCompartment = new Map<string, BankCompartment>();
  private readonly byBoardLock = new Map<string, string>();
  private readonly boards = new Map<number, BankBoard>();
  private readonly known = new Map<string, Known>();
  private readonly removers: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly o: LockerBankDriverOptions<M>) {
    this.device = o.device;
    this.now = () => (o.clock ?? Date).now();
    for (const b of o.boards) this.boards.set(b.address, b);
    for (const c of o.compartments) {
      this.byCompartment.set(c.id, c);
      const b = o.boards.find((x) => x.index === c.board);
      if (b) this.byBoardLock.set(`${b.address}/${c.lock}`, c.id);
    }
  }

  /** The domain's layout shape for this bank (board = the board's index in the model). */
  static layout(
    device: string,
    boards: BankBoard[],
    compartments: (BankCompartment & { size: string; zone: string })[],
  ) {
    return {
      device,
      compartments: compartments.map((c) => {
        const b = boards.find((x) => x.index === c.board);
        return {
          id: c.id,
          size: c.size,
          zone: c.zone,
          board: c.board,
          sensors: { door: true, presence: b?.presence ?? false },
        };
      }),
    } as LockerBankLayout;
  }

  private target(address: number): string {
    return `${this.device}@${address}`;
  }

  start(): void {
    for (const b of this.o.boards) {
      this.removers.push(
        this.o.bus.addPoller({
          target: this.target(b.address),
          run: async () => {
            await this.pollBoard(b, "poll");
          },
        }),
      );
    }
    const onTarget = (t: { target: string; reachable: boolean }) => {
      for (const b of this.o.boards) {
        if (t.target === this.target(b.address))
          this.o.doors.onReachability(this.device, b.index, t.reachable);
      }
    };
    const onPush = (msg: M) => {
      const p = this.o.adapter.pushed?.(msg);
      if (!p) return;
      const b = this.boards.get(p.board);
      if (b) this.apply(b, [p.sample]);
    };
    this.removers.push(this.o.bus.on("target", onTarget), this.o.bus.on("unsolicited", onPush));
  }

  stop(): void {
    for (const r of this.removers.splice(0)) r();
  }

  /**
   * Pulse one lock, once: the pulse is a request that moves something (`moves`), never resent by
   * the bus master. An answer that carries state is applied as door samples. When the answer has
   * no state (an echo), is missing or is not understood, the board is read before anything else:
   * the read's door samples are the truth (open: the pulse worked; shut: DoorTruth waits for the
   * open timeout). Rejects with QH_LOCKER_UNREACHABLE whose `details.pulse` says what is known:
   * "not_sent" (the frame never left: the line is down) or "unknown" (it left, and neither the
   * pulse nor the read after it was answered: the door may be open, nothing else may be pulsed).
   */
  async open(ref: CompartmentRef): Promise<void> {
    const c = this.byCompartment.get(ref.compartment);
    if (ref.device !== this.device || !c) {
      throw new QhError("QH_LOCKER_COMPARTMENT_UNKNOWN", `no compartment ${ref.device}/${ref.compartment}`);
    }
    const b = this.o.boards.find((x) => x.index === c.board)!;
    const ex = this.o.adapter.open(b.address, c.lock);
    const what = `${c.id} (board ${b.address} lock ${c.lock})`;
    let reply: M | undefined;
    try {
      reply = await this.o.bus.request({
        target: this.target(b.address),
        bytes: ex.bytes,
        message: ex.message,
        match: ex.match,
        priority: "command",
        moves: true,
        describe: `open ${this.device}/${what}`,
      });
    } catch (err) {
      const sent =
        isQhError(err, "QH_SERIAL_TIMEOUT") ||
        (isQhError(err, "QH_SERIAL_CLOSED") &&
          (err.details as { sent?: boolean } | undefined)?.sent === true);
      if (!sent)
        throw unreachable(
          `board ${b.address} of ${this.device} did not take the pulse for ${what}`,
          err,
          "not_sent",
        );
      if (!isQhError(err, "QH_SERIAL_TIMEOUT")) {
        throw unreachable(
          `the line of ${this.device} went down right after the pulse for ${what}`,
          err,
          "unknown",
        );
      }
      this.o.log.warn(
        { compartment: c.id, board: b.address },
        "no answer to a pulse; reading the door before anything else",
      );
    }
    const samples = reply === undefined ? undefined : this.o.adapter.samples(reply, b.locks);
    if (samples) {
      this.apply(b, samples);
      // read the door again right away rather than at the next cycle: door truth, sooner
      this.pollBoard(b, "command").catch(() => {});
      return;
    }
    try {
      await this.pollBoard(b, "command");
    } catch (err) {
      if (reply === undefined) {
        throw unreachable(
          `board ${b.address} of ${this.device} answered neither the pulse for ${what} nor the read after it`,
          err,
          "unknown",
        );
      }
      // the board heard the pulse (it echoed it): the door state comes with the next read
      this.o.log.warn(
        { compartment: c.id, board: b.address, err: (err as Error).message },
        "door not read after a pulse",
      );
    }
  }

  /**
   * Reads one compartment's door now: a whole-board read, applied like a poll's (door reports to
   * the domain, change-only). The commissioning door test reads a door before it pulses it.
   * @returns true open, false shut; undefined when the reply carries no state for that lock
   * @throws QhError QH_LOCKER_COMPARTMENT_UNKNOWN (no such compartment); QH_SERIAL_TIMEOUT or
   *   QH_SERIAL_CLOSED when the board does not answer (the bus master's own codes)
   */
  async readDoor(
    compartment: string,
    priority: "poll" | "command" = "command",
  ): Promise<boolean | undefined> {
    const c = this.byCompartment.get(compartment);
    const b = c ? this.o.boards.find((x) => x.index === c.board) : undefined;
    if (!c || !b) {
      throw new QhError("QH_LOCKER_COMPARTMENT_UNKNOWN", `no compartment ${this.device}/${compartment}`);
    }
    const samples = await this.pollBoard(b, priority);
    const s = samples?.find((x) => x.lock === c.lock);
    return s === undefined ? undefined : !s.closed;
  }

  /** Where a compartment is wired: the board's bus address and the lock number (undefined: unknown). */
  where(compartment: string): { address: number; lock: number } | undefined {
    const c = this.byCompartment.get(compartment);
    const b = c ? this.o.boards.find((x) => x.index === c.board) : undefined;
    return c && b ? { address: b.address, lock: c.lock } : undefined;
  }

  private async pollBoard(b: BankBoard, priority: "poll" | "command"): Promise<DoorSample[] | undefined> {
    const ex = this.o.adapter.poll(b.address);
    const reply = await this.o.bus.request({
      target: this.target(b.address),
      bytes: ex.bytes,
      message: ex.message,
      match: ex.match,
      priority,
      describe: `poll ${this.device} board ${b.address}`,
    });
    const s = this.o.adapter.samples(reply, b.locks);
    if (s) this.apply(b, s);
    return s;
  }

  /** Change-only: the first reading of every door is reported once, then only changes. */
  private apply(b: BankBoard, samples: DoorSample[]): void {
    const ts = this.now();
    for (const s of samples) {
      const id = this.byBoardLock.get(`${b.address}/${s.lock}`);
      if (!id) continue;
      const open = !s.closed;
      const present = b.presence ? s.present : undefined;
      const prev = this.known.get(id);
      if (prev && prev.open === open && prev.present === present) continue;
      this.known.set(id, { open, present });
      const report = present === undefined ? { open, ts } : { open, present, ts };
      this.o.doors
        .onDoor({ device: this.device, compartment: id }, report)
        .catch((err: Error) =>
          this.o.log.error({ device: this.device, compartment: id, err: err.message }, "door report failed"),
        );
    }
  }
}

/** What the domain gets when a pulse's outcome is not known to be good: QH_LOCKER_UNREACHABLE. */
function unreachable(message: string, cause: unknown, pulse: "not_sent" | "unknown"): QhError {
  const why = isQhError(cause) ? cause.code : (cause as Error)?.message;
  return new QhError("QH_LOCKER_UNREACHABLE", `${message}: ${(cause as Error)?.message ?? cause}`, {
    pulse,
    cause: why,
  });
}
