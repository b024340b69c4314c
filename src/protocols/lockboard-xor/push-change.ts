/** PushChange: `82 board lock S XOR`, sent unprompted by boards with active feedback (S as in replies). */
import type { MessageCodec } from "../types.js";
import { assertBoard, assertLock, HEADER, STATUS } from "./constants.js";
import { isFrame, withXor } from "./frame.js";
import type { PushChange as PushChangeMsg } from "./messages.js";

export const PushChange: MessageCodec<PushChangeMsg> = {
  kind: "pushChange",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    return withXor([HEADER.PUSH, msg.board, msg.lock, msg.closed ? STATUS.CLOSED : STATUS.OPEN]);
  },
  decode(frame) {
    if (!isFrame(frame, HEADER.PUSH, 5) || frame[2] === 0) return undefined;
    if (frame[3] !== STATUS.CLOSED && frame[3] !== STATUS.OPEN) return undefined;
    return { kind: "pushChange", board: frame[1]!, lock: frame[2]!, closed: frame[3] === STATUS.CLOSED };
  },
  describe: (msg) => `PushChange board=${msg.board} lock=${msg.lock} ${msg.closed ? "closed" : "open"}`,
};
