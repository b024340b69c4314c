import {
  carriesStatus,
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

/**
 * Kerong: the status of one lock answers with the whole board (hooks and infrared bitmaps). An
 * unlock is answered by the board's status in any of the public forms, or by an echo (no state).
 */
export function kerongCu16Adapter(): LockBoardAdapter<KerongMessage> {
  return {
    protocol: "kerong-cu16",
    createDecoder: () => createKerongDecoder(),
    describe,
    isUnsolicited: () => false,
    open: (board, lock) => exchange({ kind: "unlock", board, lock }),
    poll: (board) => exchange({ kind: "queryLock", board, lock: 1 }),
    // any frame that carries the board's state (any CMD, any lock nibble); an echo carries none
    samples: (reply, locks): DoorSample[] | undefined =>
      carriesStatus(reply) ? locksFromBitmaps(reply.hooks, reply.infrared, locks) : undefined,
  };
}
