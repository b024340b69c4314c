/**
 * OpenReply: `8A board lock S XOR`, the answer to OpenLock/OpenAll. S = 0x11 is the echo of the
 * request (style "echo", result "accepted") unless the board model is configured for status replies,
 * where it means the lock is still latched ("stillLocked"); S = 0x00 is always "opened".
 */
import { QhError } from "../../core/errors.js";
import type { MessageCodec } from "../types.js";
import { assertBoard, assertLock, HEADER, STATUS } from "./constants.js";
import { isFrame, withXor } from "./frame.js";
import type { OpenReply as OpenReplyMsg, OpenReplyStyle } from "./messages.js";

/** Decode with the board model's reply style; `undefined` = auto (0x11 is taken as an echo). */
export function decodeOpenReply(frame: Buffer, model?: OpenReplyStyle): OpenReplyMsg | undefined {
  if (!isFrame(frame, HEADER.OPEN, 5)) return undefined;
  const board = frame[1]!;
  const lock = frame[2]!;
  if (frame[3] === STATUS.OPEN) return { kind: "openReply", board, lock, style: "status", result: "opened" };
  if (frame[3] !== STATUS.CLOSED) return undefined;
  return model === "status"
    ? { kind: "openReply", board, lock, style: "status", result: "stillLocked" }
    : { kind: "openReply", board, lock, style: "echo", result: "accepted" };
}

export const OpenReply: MessageCodec<OpenReplyMsg> = {
  kind: "openReply",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock, 0);
    const ok =
      (msg.style === "echo" && msg.result === "accepted") ||
      (msg.style === "status" && (msg.result === "opened" || msg.result === "stillLocked"));
    if (!ok) {
      throw new QhError("QH_COMMAND_INVALID", `lockboard-xor: no open reply is ${msg.style}/${msg.result}`);
    }
    const status = msg.result === "opened" ? STATUS.OPEN : STATUS.CLOSED;
    return withXor([HEADER.OPEN, msg.board, msg.lock, status]);
  },
  decode: (frame) => decodeOpenReply(frame),
  describe: (msg) => `OpenReply board=${msg.board} lock=${msg.lock} style=${msg.style} result=${msg.result}`,
};
