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

/**
 * Any well-formed 9-byte frame read as a board's status, whatever its CMD (except 0x36, the bus
 * query's answer) and lock nibble: K1 and K2 parse every 9-byte answer this way (SPEC.md, "Reply
 * forms"). Undefined when the frame is not 9 bytes, STX…ETX, with a right SUM.
 */
export function decodeStatusFrame(frame: Buffer): StatusReplyMsg | undefined {
  const cmd = frame[2];
  if (cmd === undefined || cmd === CMD.BUS_STATUS_REPLY) return undefined;
  const d = dataOf(frame, cmd, 4);
  if (!d) return undefined;
  const addr = frame[1]!;
  const msg: StatusReplyMsg = {
    kind: "statusReply",
    board: boardOf(addr),
    lock: lockOf(addr),
    hooks: d[0]! | (d[1]! << 8),
    infrared: d[2]! | (d[3]! << 8),
  };
  if (cmd !== CMD.STATUS_REPLY) msg.cmd = cmd;
  return msg;
}

export const StatusReply: MessageCodec<StatusReplyMsg> = {
  kind: "statusReply",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    const cmd = msg.cmd ?? CMD.STATUS_REPLY;
    assertRange("status reply CMD", cmd, 0, 0xff);
    if (cmd === CMD.BUS_STATUS_REPLY) assertRange("status reply CMD (not 0x36)", cmd, 0, cmd - 1);
    return frameOf(addrOf(msg.board, msg.lock), cmd, bitmapBytes(msg.hooks, msg.infrared));
  },
  decode: decodeStatusFrame,
  describe: (msg) =>
    `StatusReply board=${msg.board} lock=${msg.lock} hooks=${hex16(msg.hooks)} infrared=${hex16(msg.infrared)}${
      msg.cmd === undefined ? "" : ` cmd=0x${msg.cmd.toString(16).padStart(2, "0")}`
    }`,
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
