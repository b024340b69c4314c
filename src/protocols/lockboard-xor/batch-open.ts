/**
 * BatchOpen: `90 board m1 m2 m3 XOR`, open the locks whose bits are set (m1 = locks 17–24, m2 = 9–16,
 * m3 = 1–8, the same order as the query-all reply). BatchOpenReply: the same 6 bytes echoed.
 */
import { QhError } from "../../core/errors.js";
import { locksInMask, maskOfLocks } from "../bytes.js";
import type { MessageCodec } from "../types.js";
import { assertBoard, HEADER, MASK_LOCKS, maskFromWire, maskToWire } from "./constants.js";
import { isFrame, withXor } from "./frame.js";
import type { BatchOpen as BatchOpenMsg, BatchOpenReply as BatchOpenReplyMsg } from "./messages.js";

function encodeBatch(board: number, locks: readonly number[]): Buffer {
  assertBoard(board);
  for (const lock of locks) {
    if (!Number.isInteger(lock) || lock < 1 || lock > MASK_LOCKS) {
      throw new QhError("QH_COMMAND_INVALID", `lockboard-xor: batch lock ${lock} is not in 1..${MASK_LOCKS}`);
    }
  }
  return withXor([HEADER.BATCH_OPEN, board, ...maskToWire(maskOfLocks(locks))]);
}

function decodeBatch(frame: Buffer): { board: number; locks: number[] } | undefined {
  if (!isFrame(frame, HEADER.BATCH_OPEN, 6)) return undefined;
  return { board: frame[1]!, locks: locksInMask(maskFromWire(frame[2]!, frame[3]!, frame[4]!), MASK_LOCKS) };
}

export const BatchOpen: MessageCodec<BatchOpenMsg> = {
  kind: "batchOpen",
  encode: (msg) => encodeBatch(msg.board, msg.locks),
  decode(frame) {
    const d = decodeBatch(frame);
    return d && { kind: "batchOpen", ...d };
  },
  describe: (msg) => `BatchOpen board=${msg.board} locks=[${msg.locks.join(",")}]`,
};

export const BatchOpenReply: MessageCodec<BatchOpenReplyMsg> = {
  kind: "batchOpenReply",
  encode: (msg) => encodeBatch(msg.board, msg.locks),
  decode(frame) {
    const d = decodeBatch(frame);
    return d && { kind: "batchOpenReply", ...d };
  },
  describe: (msg) => `BatchOpenReply board=${msg.board} locks=[${msg.locks.join(",")}]`,
};
