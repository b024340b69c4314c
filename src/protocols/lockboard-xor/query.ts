/** QueryLock (`80 board lock 33 XOR`) and QueryAll (`80 board 00 33 XOR`). */
import type { MessageCodec } from "../types.js";
import { assertBoard, assertLock, FN, HEADER } from "./constants.js";
import { isFrame, withXor } from "./frame.js";
import type { QueryAll as QueryAllMsg, QueryLock as QueryLockMsg } from "./messages.js";

export const QueryLock: MessageCodec<QueryLockMsg> = {
  kind: "queryLock",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    return withXor([HEADER.QUERY, msg.board, msg.lock, FN.QUERY]);
  },
  decode(frame) {
    if (!isFrame(frame, HEADER.QUERY, 5) || frame[3] !== FN.QUERY || frame[2] === 0) return undefined;
    return { kind: "queryLock", board: frame[1]!, lock: frame[2]! };
  },
  describe: (msg) => `QueryLock board=${msg.board} lock=${msg.lock}`,
};

export const QueryAll: MessageCodec<QueryAllMsg> = {
  kind: "queryAll",
  encode(msg) {
    assertBoard(msg.board);
    return withXor([HEADER.QUERY, msg.board, 0, FN.QUERY]);
  },
  decode(frame) {
    if (!isFrame(frame, HEADER.QUERY, 5) || frame[3] !== FN.QUERY || frame[2] !== 0) return undefined;
    return { kind: "queryAll", board: frame[1]! };
  },
  describe: (msg) => `QueryAll board=${msg.board}`,
};
