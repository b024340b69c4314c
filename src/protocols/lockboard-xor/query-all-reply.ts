/**
 * QueryAllReply, 7 bytes: `80 board s1 s2 s3 33 XOR`; s1 = locks 17–24, s2 = 9–16, s3 = 1–8, the
 * lowest bit of each byte is the lowest lock of its group; a set bit = lock closed.
 */
import { QhError } from "../../core/errors.js";
import { locksInMask } from "../bytes.js";
import type { MessageCodec } from "../types.js";
import { assertBoard, FN, HEADER, MASK_LOCKS, maskFromWire, maskToWire } from "./constants.js";
import { isFrame, withXor } from "./frame.js";
import type { QueryAllReply as QueryAllReplyMsg } from "./messages.js";

export const QueryAllReply: MessageCodec<QueryAllReplyMsg> = {
  kind: "queryAllReply",
  encode(msg) {
    assertBoard(msg.board);
    if (!Number.isInteger(msg.closedMask) || msg.closedMask < 0 || msg.closedMask > 0xffffff) {
      throw new QhError("QH_COMMAND_INVALID", `lockboard-xor: closedMask ${msg.closedMask} is not 24 bits`);
    }
    return withXor([HEADER.QUERY, msg.board, ...maskToWire(msg.closedMask), FN.QUERY]);
  },
  decode(frame) {
    if (!isFrame(frame, HEADER.QUERY, 7) || frame[5] !== FN.QUERY) return undefined;
    return {
      kind: "queryAllReply",
      board: frame[1]!,
      closedMask: maskFromWire(frame[2]!, frame[3]!, frame[4]!),
    };
  },
  describe: (msg) =>
    `QueryAllReply board=${msg.board} closed=[${locksInMask(msg.closedMask, MASK_LOCKS).join(",")}]`,
};
