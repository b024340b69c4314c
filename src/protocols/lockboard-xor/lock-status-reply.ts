/** LockStatusReply: `80 board lock S XOR`, S = 0x11 closed (switch pressed) or 0x00 open. */
import type { MessageCodec } from "../types.js";
import { assertBoard, assertLock, HEADER, STATUS } from "./constants.js";
import { isFrame, withXor } from "./frame.js";
import type { LockStatusReply as LockStatusReplyMsg } from "./messages.js";

export const LockStatusReply: MessageCodec<LockStatusReplyMsg> = {
  kind: "lockStatusReply",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    return withXor([HEADER.QUERY, msg.board, msg.lock, msg.closed ? STATUS.CLOSED : STATUS.OPEN]);
  },
  decode(frame) {
    if (!isFrame(frame, HEADER.QUERY, 5) || frame[2] === 0) return undefined;
    if (frame[3] !== STATUS.CLOSED && frame[3] !== STATUS.OPEN) return undefined;
    return { kind: "lockStatusReply", board: frame[1]!, lock: frame[2]!, closed: frame[3] === STATUS.CLOSED };
  },
  describe: (msg) => `LockStatusReply board=${msg.board} lock=${msg.lock} ${msg.closed ? "closed" : "open"}`,
};
