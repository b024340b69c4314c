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

/**
 * True when `reply` answers `request`, same board always. The reply kind follows the request
 * (openLock/openAll → openReply, queryLock → lockStatusReply, queryAll → queryAllReply, batchOpen,
 * holdPower → their echoes), and, since S1 says boards answer a query or a command with a 0x8A or a
 * 0x80 frame alike, a frame that carries the lock's state answers too (SPEC.md, "Reply forms"):
 * openLock also takes the lock's 0x80 status, queryLock an 0x8A status-style reply. A query-all
 * reply answers only a query-all (during an open it is a late answer: stray). Pushes (0x82) answer
 * nothing: they are reported as changes on their own.
 */
export function isReplyTo(request: LockboardRequest, reply: LockboardMessage): boolean {
  if (!("board" in reply) || reply.board !== request.board) return false;
  switch (request.kind) {
    case "openLock":
      return (reply.kind === "openReply" || reply.kind === "lockStatusReply") && reply.lock === request.lock;
    case "queryLock":
      if (reply.kind === "openReply") return reply.style === "status" && reply.lock === request.lock;
      return reply.kind === "lockStatusReply" && reply.lock === request.lock;
    case "openAll":
      return reply.kind === "openReply" && reply.lock === 0;
    case "queryAll":
      return reply.kind === "queryAllReply";
    case "batchOpen":
      return reply.kind === "batchOpenReply" && reply.locks.join(",") === request.locks.join(",");
    case "holdPower":
      return reply.kind === "holdPowerReply" && reply.on === request.on && reply.lock === request.lock;
  }
}
