/** OpenLock (`8A board lock 11 XOR`) and OpenAll (`8A board 00 11 XOR`): pulse one lock or all. */
import type { MessageCodec } from "../types.js";
import { assertBoard, assertLock, FN, HEADER } from "./constants.js";
import { isFrame, withXor } from "./frame.js";
import type { OpenAll as OpenAllMsg, OpenLock as OpenLockMsg } from "./messages.js";

export const OpenLock: MessageCodec<OpenLockMsg> = {
  kind: "openLock",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    return withXor([HEADER.OPEN, msg.board, msg.lock, FN.OPEN]);
  },
  decode(frame) {
    if (!isFrame(frame, HEADER.OPEN, 5) || frame[3] !== FN.OPEN || frame[2] === 0) return undefined;
    return { kind: "openLock", board: frame[1]!, lock: frame[2]! };
  },
  describe: (msg) => `OpenLock board=${msg.board} lock=${msg.lock}`,
};

export const OpenAll: MessageCodec<OpenAllMsg> = {
  kind: "openAll",
  encode(msg) {
    assertBoard(msg.board);
    return withXor([HEADER.OPEN, msg.board, 0, FN.OPEN]);
  },
  decode(frame) {
    if (!isFrame(frame, HEADER.OPEN, 5) || frame[3] !== FN.OPEN || frame[2] !== 0) return undefined;
    return { kind: "openAll", board: frame[1]! };
  },
  describe: (msg) => `OpenAll board=${msg.board}`,
};
