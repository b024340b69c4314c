/** Pairing replies with requests, for a bus master's pending-request predicate. */
import type { KerongMessage, KerongReply, KerongRequest } from "./messages.js";

const REQUEST_KINDS = new Set<string>([
  "queryLock",
  "unlock",
  "queryBus",
  "unlockAll",
  "queryUnlockTime",
  "setUnlockTime",
  "delayedUnlock",
  "setBaudRate",
]);

export function isRequest(msg: KerongMessage): msg is KerongRequest {
  return REQUEST_KINDS.has(msg.kind);
}

/**
 * What a master should wait for after a request: the reply kind and how many replies ("many":
 * QueryBus, one BusStatusReply per live board, collect until a quiet period; "none": SetBaudRate).
 */
export function replyOf(request: KerongRequest): {
  kind: KerongReply["kind"] | undefined;
  count: "one" | "many" | "none";
} {
  switch (request.kind) {
    case "queryLock":
    case "unlock":
    case "unlockAll":
    case "delayedUnlock":
      return { kind: "statusReply", count: "one" };
    case "queryBus":
      return { kind: "busStatusReply", count: "many" };
    case "queryUnlockTime":
    case "setUnlockTime":
      return { kind: "unlockTimeReply", count: "one" };
    case "setBaudRate":
      return { kind: undefined, count: "none" };
  }
}

/** True when `reply` answers `request` (kind pairing and board; lock too for lock commands). */
export function isReplyTo(request: KerongRequest, reply: KerongMessage): boolean {
  const expected = replyOf(request).kind;
  if (expected === undefined || reply.kind !== expected) return false;
  if (request.kind === "queryBus") return true;
  if (!("board" in reply) || reply.board !== request.board) return false;
  if (
    (request.kind === "queryLock" || request.kind === "unlock" || request.kind === "delayedUnlock") &&
    reply.kind === "statusReply"
  ) {
    return reply.lock === request.lock;
  }
  if (request.kind === "setUnlockTime" && reply.kind === "unlockTimeReply")
    return reply.units === request.units;
  return true;
}
