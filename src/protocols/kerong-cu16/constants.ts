/** Wire constants of the Kerong KR-CU16 lock board (see firmware-protocols/kerong-cu16). */
import { QhError } from "../../core/errors.js";

export const STX = 0x02;
export const ETX = 0x03;
/** ADDR of the bus-wide status query. */
export const BROADCAST = 0xf0;

export const CMD = {
  QUERY_LOCK: 0x30,
  UNLOCK: 0x31,
  QUERY_BUS: 0x32,
  UNLOCK_ALL: 0x33,
  STATUS_REPLY: 0x35,
  BUS_STATUS_REPLY: 0x36,
  UNLOCK_TIME: 0x37,
  UNLOCK_TIME_REPLY: 0x38,
  DELAYED_UNLOCK: 0x39,
  SET_BAUD: 0x40,
} as const;

export const DEFAULT_BAUD_RATE = 19200;
/** Argument of CMD.SET_BAUD → baud rate. */
export const BAUD_RATES = [9600, 19200, 57600, 115200] as const;
export type KerongBaudRate = (typeof BAUD_RATES)[number];

export const MAX_BOARD = 15;
export const LOCKS_PER_BOARD = 16;
export const MAX_DELAY_SECONDS = 250;
/** Unlock time unit on the wire. */
export const UNLOCK_TIME_UNIT_MS = 10;

function invalid(message: string): QhError {
  return new QhError("QH_COMMAND_INVALID", `kerong-cu16: ${message}`);
}

export function assertBoard(board: number): void {
  if (!Number.isInteger(board) || board < 0 || board > MAX_BOARD) {
    throw invalid(`board ${board} is not in 0..${MAX_BOARD}`);
  }
}

export function assertLock(lock: number): void {
  if (!Number.isInteger(lock) || lock < 1 || lock > LOCKS_PER_BOARD) {
    throw invalid(`lock ${lock} is not in 1..${LOCKS_PER_BOARD}`);
  }
}

export function assertRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${what} ${value} is not in ${min}..${max}`);
  }
}

/** ADDR byte: board in the high nibble, lock-1 in the low nibble. */
export function addrOf(board: number, lock = 1): number {
  return ((board & 0x0f) << 4) | ((lock - 1) & 0x0f);
}

export function boardOf(addr: number): number {
  return addr >> 4;
}

/** Lock 1–16 named by the low nibble of ADDR. */
export function lockOf(addr: number): number {
  return (addr & 0x0f) + 1;
}
