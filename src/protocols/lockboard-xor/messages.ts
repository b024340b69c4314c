/**
 * Messages of the lockboard-xor protocol, a discriminated union on `kind`. Boards are 1–32 (DIP
 * switch), locks 1–24 (up to 50 on some models); lock 0 on the wire means "all locks".
 * Masks are 24-bit numbers, bit k-1 = lock k.
 */

// ── requests (master → board) ──
export interface OpenLock {
  kind: "openLock";
  board: number;
  lock: number;
}
export interface OpenAll {
  kind: "openAll";
  board: number;
}
export interface QueryLock {
  kind: "queryLock";
  board: number;
  lock: number;
}
export interface QueryAll {
  kind: "queryAll";
  board: number;
}
export interface BatchOpen {
  kind: "batchOpen";
  board: number;
  /** Locks to open, ascending (1–24). */
  locks: number[];
}
export interface HoldPower {
  kind: "holdPower";
  board: number;
  lock: number;
  /** true = 0x9A keep the lock powered; false = 0x9B release it. */
  on: boolean;
}

// ── replies and pushes (board → master) ──
/**
 * Reply to OpenLock (lock ≥ 1) or OpenAll (lock 0). Boards answer in one of two styles:
 *  - "echo": the request comes back unchanged (`8A 01 01 11 9B`): the command was accepted, the
 *    door state is unknown until the next query;
 *  - "status": byte 3 is the lock state after the pulse: 0x00 open (`8A 01 01 00 8A`) or, on a
 *    board configured for status replies, 0x11 still latched (the pulse did not open it).
 */
export interface OpenReply {
  kind: "openReply";
  board: number;
  lock: number;
  style: "echo" | "status";
  result: "accepted" | "opened" | "stillLocked";
}
export interface LockStatusReply {
  kind: "lockStatusReply";
  board: number;
  lock: number;
  /** Lock switch pressed: door shut and latched. */
  closed: boolean;
}
export interface QueryAllReply {
  kind: "queryAllReply";
  board: number;
  /** Bit k-1 set = lock k closed (locks 1–24). */
  closedMask: number;
}
/** Unsolicited change report (header 0x82) from boards that support active feedback. */
export interface PushChange {
  kind: "pushChange";
  board: number;
  lock: number;
  closed: boolean;
}
export interface BatchOpenReply {
  kind: "batchOpenReply";
  board: number;
  locks: number[];
}
export interface HoldPowerReply {
  kind: "holdPowerReply";
  board: number;
  lock: number;
  on: boolean;
}

export type LockboardRequest = OpenLock | OpenAll | QueryLock | QueryAll | BatchOpen | HoldPower;
export type LockboardReply =
  | OpenReply
  | LockStatusReply
  | QueryAllReply
  | PushChange
  | BatchOpenReply
  | HoldPowerReply;
export type LockboardMessage = LockboardRequest | LockboardReply;
export type LockboardKind = LockboardMessage["kind"];

/** How a board answers an open request: echo the request, or report the lock state. */
export type OpenReplyStyle = "echo" | "status";
