/**
 * The 9-byte board state: `02 ADDR CMD h1 h2 i1 i2 03 SUM`, h1/h2 = hook bits of locks 1–8 / 9–16,
 * i1/i2 = infrared bits of locks 1–8 / 9–16 (lowest bit = lowest lock). CMD 0x35 is StatusReply
 * (answer to a lock or board command), 0x36 is BusStatusReply (one board's answer to QueryBus).
 */
import type { MessageCodec } from "../types.js";
import {
  addrOf,
  assertBoard,
  assertLock,
  assertRange,
  boardOf,
  CMD,
  LOCKS_PER_BOARD,
  lockOf,
} from "./constants.js";
import { dataOf, frameOf } from "./frame.js";
import type { BusStatusReply as BusStatusReplyMsg, StatusReply as StatusReplyMsg } from "./messages.js";

function bitmapBytes(hooks: number, infrared: number): number[] {
  assertRange("hooks bitmap", hooks, 0, 0xffff);
  assertRange("infrared bitmap", infrared, 0, 0xffff);
  return [hooks & 0xff, hooks >> 8, infrared & 0xff, infrared >> 8];
}

const hex16 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(4, "0")}`;

export const StatusReply: MessageCodec<StatusReplyMsg> = {
  kind: "statusReply",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    return frameOf(addrOf(msg.board, msg.lock), CMD.STATUS_REPLY, bitmapBytes(msg.hooks, msg.infrared));
  },
  decode(frame) {
    const d = dataOf(frame, CMD.STATUS_REPLY, 4);
    if (!d) return undefined;
    const addr = frame[1]!;
    return {
      kind: "statusReply",
      board: boardOf(addr),
      lock: lockOf(addr),
      hooks: d[0]! | (d[1]! << 8),
      infrared: d[2]! | (d[3]! << 8),
    };
  },
  describe: (msg) =>
    `StatusReply board=${msg.board} lock=${msg.lock} hooks=${hex16(msg.hooks)} infrared=${hex16(msg.infrared)}`,
};

export const BusStatusReply: MessageCodec<BusStatusReplyMsg> = {
  kind: "busStatusReply",
  encode(msg) {
    assertBoard(msg.board);
    return frameOf(addrOf(msg.board), CMD.BUS_STATUS_REPLY, bitmapBytes(msg.hooks, msg.infrared));
  },
  decode(frame) {
    const d = dataOf(frame, CMD.BUS_STATUS_REPLY, 4);
    if (!d) return undefined;
    return {
      kind: "busStatusReply",
      board: boardOf(frame[1]!),
      hooks: d[0]! | (d[1]! << 8),
      infrared: d[2]! | (d[3]! << 8),
    };
  },
  describe: (msg) =>
    `BusStatusReply board=${msg.board} hooks=${hex16(msg.hooks)} infrared=${hex16(msg.infrared)}`,
};

export interface KerongLockState {
  lock: number;
  /** Hook bit: door shut and latched. */
  closed: boolean;
  /** Infrared bit: an item is in the compartment. */
  present: boolean;
}

/** Per-lock view of a status reply's bitmaps. */
export function locksFromBitmaps(
  hooks: number,
  infrared: number,
  count = LOCKS_PER_BOARD,
): KerongLockState[] {
  return Array.from({ length: count }, (_, i) => ({
    lock: i + 1,
    closed: ((hooks >> i) & 1) === 1,
    present: ((infrared >> i) & 1) === 1,
  }));
}
