/**
 * lockboard-xor: the RS-485 "0x8A/0x80 XOR" lock-board family (9600 8N1, boards 1–32, up to 24
 * locks). Spec and vectors: firmware-protocols/lockboard-xor/.
 */

import { locksInMask } from "../bytes.js";
import type { MessageCodec } from "../types.js";
import { BatchOpen, BatchOpenReply } from "./batch-open.js";
import { DEFAULT_BAUD_RATE, MASK_LOCKS } from "./constants.js";
import { HoldPower, HoldPowerReply } from "./hold-power.js";
import { LockStatusReply } from "./lock-status-reply.js";
import type { LockboardMessage } from "./messages.js";
import { OpenAll, OpenLock } from "./open-lock.js";
import { OpenReply } from "./open-reply.js";
import { PushChange } from "./push-change.js";
import { QueryAll, QueryLock } from "./query.js";
import { QueryAllReply } from "./query-all-reply.js";

export { DEFAULT_BAUD_RATE, FN, HEADER, MASK_LOCKS, MAX_BOARD, MAX_LOCKS, STATUS } from "./constants.js";
export { createLockboardDecoder, LockboardDecoder, type LockboardDecoderOptions } from "./decoder.js";
export { isReplyTo, isRequest, replyKindOf } from "./match.js";
export * from "./messages.js";
export { decodeOpenReply } from "./open-reply.js";
export {
  BatchOpen,
  BatchOpenReply,
  HoldPower,
  HoldPowerReply,
  LockStatusReply,
  OpenAll,
  OpenLock,
  OpenReply,
  PushChange,
  QueryAll,
  QueryAllReply,
  QueryLock,
};

export const PROTOCOL_NAME = "lockboard-xor";
export const defaultBaudRate = DEFAULT_BAUD_RATE;

type CodecMap = { [K in LockboardMessage["kind"]]: MessageCodec<Extract<LockboardMessage, { kind: K }>> };

/** One codec per message kind. */
export const codecs: CodecMap = {
  openLock: OpenLock,
  openAll: OpenAll,
  queryLock: QueryLock,
  queryAll: QueryAll,
  batchOpen: BatchOpen,
  holdPower: HoldPower,
  openReply: OpenReply,
  lockStatusReply: LockStatusReply,
  queryAllReply: QueryAllReply,
  pushChange: PushChange,
  batchOpenReply: BatchOpenReply,
  holdPowerReply: HoldPowerReply,
};

function codecOf<M extends LockboardMessage>(msg: M): MessageCodec<M> {
  return codecs[msg.kind] as unknown as MessageCodec<M>;
}

/** The wire bytes of any lockboard-xor message. Throws QhError on out-of-range fields. */
export function encode(msg: LockboardMessage): Buffer {
  return codecOf(msg).encode(msg);
}

/** One line for logs, e.g. "QueryAll board=1". */
export function describe(msg: LockboardMessage): string {
  return codecOf(msg).describe(msg);
}

/** Per-lock view of a 24-bit closed mask (lock k = bit k-1). */
export function locksFromMask(closedMask: number, count = MASK_LOCKS): { lock: number; closed: boolean }[] {
  const closed = new Set(locksInMask(closedMask, count));
  return Array.from({ length: count }, (_, i) => ({ lock: i + 1, closed: closed.has(i + 1) }));
}
