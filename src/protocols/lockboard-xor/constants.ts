/** Wire constants of the 0x8A/0x80 XOR lock-board family (see firmware-protocols/lockboard-xor). */
import { QhError } from "../../core/errors.js";

export const HEADER = {
  OPEN: 0x8a,
  QUERY: 0x80,
  PUSH: 0x82,
  BATCH_OPEN: 0x90,
  HOLD_ON: 0x9a,
  HOLD_OFF: 0x9b,
} as const;

export const FN = {
  /** Function byte of open and hold requests; also "closed" status in replies. */
  OPEN: 0x11,
  /** Function byte of query requests and the trailer of the query-all reply. */
  QUERY: 0x33,
} as const;

export const STATUS = {
  /** Lock switch pressed: the door is shut and latched. */
  CLOSED: 0x11,
  /** Lock switch released: the door is open. */
  OPEN: 0x00,
} as const;

export const DEFAULT_BAUD_RATE = 9600;
export const MIN_BOARD = 1;
export const MAX_BOARD = 32;
/** Most boards have 24 locks; some models have 50. */
export const MAX_LOCKS = 50;
/** Locks covered by the query-all reply and the batch-open mask (3 bytes). */
export const MASK_LOCKS = 24;

export function assertBoard(board: number, max = MAX_BOARD): void {
  if (!Number.isInteger(board) || board < MIN_BOARD || board > max) {
    throw new QhError("QH_COMMAND_INVALID", `lockboard-xor: board ${board} is not in ${MIN_BOARD}..${max}`);
  }
}

export function assertLock(lock: number, min = 1, max = MAX_LOCKS): void {
  if (!Number.isInteger(lock) || lock < min || lock > max) {
    throw new QhError("QH_COMMAND_INVALID", `lockboard-xor: lock ${lock} is not in ${min}..${max}`);
  }
}

/** Three mask bytes in wire order (locks 17–24, 9–16, 1–8) from a 24-bit mask (bit k-1 = lock k). */
export function maskToWire(mask: number): [number, number, number] {
  return [(mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff];
}

/** 24-bit mask (bit k-1 = lock k) from the three wire bytes (locks 17–24, 9–16, 1–8). */
export function maskFromWire(b17to24: number, b9to16: number, b1to8: number): number {
  return ((b17to24 << 16) | (b9to16 << 8) | b1to8) >>> 0;
}
