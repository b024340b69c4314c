/** Pairing replies with requests, for a bus master's pending-request predicate. */
import type { LockboardMessage, LockboardReply, LockboardRequest } from "./messages.js";

const REQUEST_KINDS = new Set<string>([
  "openLock",
  "openAll",
  "queryLock",
  "queryAll",
  "batchOpen",
  "holdPower",
]);

export function isRequest(msg: LockboardMessage): msg is LockboardRequest {
  return REQUEST_KINDS.has(msg.kind);
}

/** The reply kind a board sends back for a request. */
export function replyKindOf(request: LockboardRequest): LockboardReply["kind"] {
  switch (request.kind) {
    case "openLock":
    case "openAll":
      return "openReply";
    case "queryLock":
      return "lockStatusReply";
    case "queryAll":
      return "queryAllReply";
    case "batchOpen":
      return "batchOpenReply";
    case "holdPower":
      return "holdPowerReply";
  }
}

/** True when `reply` answers `request` (same kind pairing, board and lock). Pushes answer nothing. */
export function isReplyTo(request: LockboardRequest, reply: LockboardMessage): boolean {
  if (reply.kind !== replyKindOf(request) || reply.board !== request.board) return false;
  switch (request.kind) {
    case "openLock":
    case "queryLock":
      return "lock" in reply && reply.lock === request.lock;
    case "openAll":
      return "lock" in reply && reply.lock === 0;
    case "queryAll":
      return true;
    case "batchOpen":
      return "locks" in reply && reply.locks.join(",") === request.locks.join(",");
    case "holdPower":
      return "on" in reply && reply.on === request.on && reply.lock === request.lock;
  }
}
