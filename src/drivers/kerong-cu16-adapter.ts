import {
  createKerongDecoder,
  describe,
  encode,
  isReplyTo,
  type KerongMessage,
  type KerongRequest,
  locksFromBitmaps,
} from "../protocols/kerong-cu16/index.js";
import type { DoorSample, Exchange, LockBoardAdapter } from "./lock-board-adapter.js";

function exchange(req: KerongRequest): Exchange<KerongMessage> {
  return { message: req, bytes: encode(req), match: (m) => isReplyTo(req, m) };
}

/** Kerong: the status of one lock answers with the whole board (hooks and infrared bitmaps). */
export function kerongCu16Adapter(): LockBoardAdapter<KerongMessage> {
  return {
    protocol: "kerong-cu16",
    createDecoder: () => createKerongDecoder(),
    describe,
    isUnsolicited: () => false,
    open: (board, lock) => exchange({ kind: "unlock", board, lock }),
    poll: (board) => exchange({ kind: "queryLock", board, lock: 1 }),
    samples: (reply, locks): DoorSample[] | undefined =>
      reply.kind === "statusReply" || reply.kind === "busStatusReply"
        ? locksFromBitmaps(reply.hooks, reply.infrared, locks)
        : undefined,
  };
}
