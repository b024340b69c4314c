/**
 * Messages of the kerong-cu16 protocol, a discriminated union on `kind`. Boards are 0–15 as set
 * on the board (high nibble of ADDR); locks are 1–16 (wire nibble 0–15 plus one). Bitmaps are
 * 16-bit numbers, bit k-1 = lock k: `hooks` bit set = door shut and latched, `infrared` bit set =
 * an item is in the compartment.
 */

// ── requests (master → board) ──
export interface QueryLock {
  kind: "queryLock";
  board: number;
  lock: number;
}
export interface Unlock {
  kind: "unlock";
  board: number;
  lock: number;
}
/** Status of every board on the bus (ADDR 0xF0); each board answers with a BusStatusReply. */
export interface QueryBus {
  kind: "queryBus";
}
export interface UnlockAll {
  kind: "unlockAll";
  board: number;
}
export interface QueryUnlockTime {
  kind: "queryUnlockTime";
  board: number;
}
export interface SetUnlockTime {
  kind: "setUnlockTime";
  board: number;
  /** Pulse length in 10 ms units (0–65535). */
  units: number;
}
export interface DelayedUnlock {
  kind: "delayedUnlock";
  board: number;
  lock: number;
  /** 0–250 s. */
  seconds: number;
}
export interface SetBaudRate {
  kind: "setBaudRate";
  board: number;
  baudRate: 9600 | 19200 | 57600 | 115200;
}

// ── replies (board → master) ──
/**
 * The whole board's state, 9 bytes; the answer to QueryLock, Unlock, UnlockAll and DelayedUnlock.
 * Boards differ in the CMD and ADDR they put in it (SPEC.md, "Reply forms"): 0x35 with the
 * request's ADDR (our spec), 0x35 with lock nibble 0, or the request's CMD echoed (0x31…). Public
 * drivers read any 9-byte frame as the status, and so do we: `cmd` is set when it is not 0x35.
 */
export interface StatusReply {
  kind: "statusReply";
  board: number;
  /** The lock named in ADDR's low nibble (echoed from the request, or 1 for nibble 0). */
  lock: number;
  hooks: number;
  infrared: number;
  /** The CMD byte the board put in the frame, when it is not 0x35 (e.g. 0x31, the unlock echoed). */
  cmd?: number;
}
/** 0x36: one board's answer to QueryBus. */
export interface BusStatusReply {
  kind: "busStatusReply";
  board: number;
  hooks: number;
  infrared: number;
}
/** 0x38: the unlock time now in force (after a query or a set). */
export interface UnlockTimeReply {
  kind: "unlockTimeReply";
  board: number;
  units: number;
}

export type KerongRequest =
  | QueryLock
  | Unlock
  | QueryBus
  | UnlockAll
  | QueryUnlockTime
  | SetUnlockTime
  | DelayedUnlock
  | SetBaudRate;
export type KerongReply = StatusReply | BusStatusReply | UnlockTimeReply;
export type KerongMessage = KerongRequest | KerongReply;
export type KerongKind = KerongMessage["kind"];
