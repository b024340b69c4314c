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

/** A frame that carries a whole board's state (any CMD, any lock nibble: SPEC.md, "Reply forms"). */
export function carriesStatus(
  msg: KerongMessage,
): msg is Extract<KerongMessage, { kind: "statusReply" | "busStatusReply" }> {
  return msg.kind === "statusReply" || msg.kind === "busStatusReply";
}

/**
 * A short frame a board sends back after a lock command without its state: the request echoed
 * (5 or 6 bytes, any lock nibble, any of the lock commands' CMDs). It says the board heard the
 * command, nothing about the door: a master reads the board next.
 */
export function isEcho(msg: KerongMessage): boolean {
  return (
    msg.kind === "unlock" ||
    msg.kind === "queryLock" ||
    msg.kind === "unlockAll" ||
    msg.kind === "delayedUnlock"
  );
}

/**
 * True when `reply` answers `request`. Lock commands: any frame from the addressed board that
 * carries its state (statusReply with any CMD and lock nibble, busStatusReply), and for the
 * commands that move a lock also its echo. The lock nibble is never compared: the status covers
 * the whole board. Unlock time: the reply of the same board (and value, for a set).
 */
export function isReplyTo(request: KerongRequest, reply: KerongMessage): boolean {
  switch (request.kind) {
    case "queryBus":
      return carriesStatus(reply);
    case "queryLock":
      return carriesStatus(reply) && reply.board === request.board;
    case "unlock":
    case "unlockAll":
    case "delayedUnlock":
      return (carriesStatus(reply) || isEcho(reply)) && "board" in reply && reply.board === request.board;
    case "queryUnlockTime":
      return reply.kind === "unlockTimeReply" && reply.board === request.board;
    case "setUnlockTime":
      return (
        reply.kind === "unlockTimeReply" && reply.board === request.board && reply.units === request.units
      );
    case "setBaudRate":
      return false;
  }
}
