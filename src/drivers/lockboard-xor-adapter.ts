import {
  createLockboardDecoder,
  describe,
  encode,
  isReplyTo,
  type LockboardMessage,
  type LockboardRequest,
  locksFromMask,
  type OpenReplyStyle,
} from "../protocols/lockboard-xor/index.js";
import type { DoorSample, Exchange, LockBoardAdapter } from "./lock-board-adapter.js";

function exchange(req: LockboardRequest): Exchange<LockboardMessage> {
  return { message: req, bytes: encode(req), match: (m) => isReplyTo(req, m) };
}

export function lockboardXorAdapter(
  opts: { openReply?: OpenReplyStyle } = {},
): LockBoardAdapter<LockboardMessage> {
  return {
    protocol: "lockboard-xor",
    createDecoder: () => createLockboardDecoder({ role: "master", openReply: opts.openReply }),
    describe,
    isUnsolicited: (m) => m.kind === "pushChange",
    open: (board, lock) => exchange({ kind: "openLock", board, lock }),
    poll: (board) => exchange({ kind: "queryAll", board }),
    samples: (reply, locks): DoorSample[] | undefined => {
      if (reply.kind === "queryAllReply") return locksFromMask(reply.closedMask, locks);
      if (reply.kind === "lockStatusReply") return [{ lock: reply.lock, closed: reply.closed }];
      // a status-style open reply says whether that lock opened; an echo says nothing
      if (reply.kind === "openReply" && reply.style === "status" && reply.lock >= 1)
        return [{ lock: reply.lock, closed: reply.result === "stillLocked" }];
      return undefined;
    },
    pushed: (m) =>
      m.kind === "pushChange" ? { board: m.board, sample: { lock: m.lock, closed: m.closed } } : undefined,
  };
}
