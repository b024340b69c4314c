/**
 * What a locker-bank driver needs from a lock-board protocol: how to pulse one lock, how to read
 * a whole board's doors in one exchange, and how to read a pushed change. One adapter per wire
 * protocol (lockboard-xor, kerong-cu16); the bank driver is the same for both.
 */
import type { FrameDecoder } from "../protocols/types.js";

export interface DoorSample {
  /** 1-based, as printed on the board */
  lock: number;
  closed: boolean;
  present?: boolean;
}

export interface Exchange<M> {
  message: M;
  bytes: Buffer;
  match(reply: M): boolean;
}

export interface LockBoardAdapter<M> {
  protocol: string;
  createDecoder(): FrameDecoder<M>;
  describe(msg: M): string;
  isUnsolicited(msg: M): boolean;
  open(board: number, lock: number): Exchange<M>;
  /** One request that answers every door of the board. */
  poll(board: number): Exchange<M>;
  /**
   * Door samples of a poll reply, and of an open reply that carries state (all of the board's
   * doors, or only the pulsed one); undefined for a reply without state (an echo): read the board.
   */
  samples(reply: M, locks: number): DoorSample[] | undefined;
  /** A pushed change, when the protocol has them. */
  pushed?(msg: M): { board: number; sample: DoorSample } | undefined;
}
