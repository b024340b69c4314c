/**
 * kerong-cu16: Kerong KR-CU16 lock boards (16 locks, hook and infrared sensor per lock, 19200 8N1
 * by default). Spec and vectors: firmware-protocols/kerong-cu16/.
 */
import type { MessageCodec } from "../types.js";
import { DEFAULT_BAUD_RATE } from "./constants.js";
import { DelayedUnlock, QueryLock, Unlock, UnlockAll } from "./lock-commands.js";
import type { KerongMessage } from "./messages.js";
import { QueryBus } from "./query-bus.js";
import { SetBaudRate } from "./set-baud-rate.js";
import { BusStatusReply, StatusReply } from "./status-reply.js";
import { QueryUnlockTime, SetUnlockTime, UnlockTimeReply } from "./unlock-time.js";

export {
  addrOf,
  BAUD_RATES,
  BROADCAST,
  boardOf,
  CMD,
  DEFAULT_BAUD_RATE,
  ETX,
  LOCKS_PER_BOARD,
  lockOf,
  MAX_BOARD,
  MAX_DELAY_SECONDS,
  STX,
  UNLOCK_TIME_UNIT_MS,
} from "./constants.js";
export { createKerongDecoder, KerongDecoder, type KerongDecoderOptions } from "./decoder.js";
export { carriesStatus, isEcho, isReplyTo, isRequest, replyOf } from "./match.js";
export * from "./messages.js";
export { decodeStatusFrame, type KerongLockState, locksFromBitmaps } from "./status-reply.js";
export { ambiguousUnlockUnits } from "./unlock-time.js";
export {
  BusStatusReply,
  DelayedUnlock,
  QueryBus,
  QueryLock,
  QueryUnlockTime,
  SetBaudRate,
  SetUnlockTime,
  StatusReply,
  Unlock,
  UnlockAll,
  UnlockTimeReply,
};

export const PROTOCOL_NAME = "kerong-cu16";
export const defaultBaudRate = DEFAULT_BAUD_RATE;

type CodecMap = { [K in KerongMessage["kind"]]: MessageCodec<Extract<KerongMessage, { kind: K }>> };

/** One codec per message kind. */
export const codecs: CodecMap = {
  queryLock: QueryLock,
  unlock: Unlock,
  queryBus: QueryBus,
  unlockAll: UnlockAll,
  queryUnlockTime: QueryUnlockTime,
  setUnlockTime: SetUnlockTime,
  delayedUnlock: DelayedUnlock,
  setBaudRate: SetBaudRate,
  statusReply: StatusReply,
  busStatusReply: BusStatusReply,
  unlockTimeReply: UnlockTimeReply,
};

function codecOf<M extends KerongMessage>(msg: M): MessageCodec<M> {
  return codecs[msg.kind] as unknown as MessageCodec<M>;
}

/** The wire bytes of any kerong-cu16 message. Throws QhError on out-of-range fields. */
export function encode(msg: KerongMessage): Buffer {
  return codecOf(msg).encode(msg);
}

/** One line for logs, e.g. "Unlock board=0 lock=3". */
export function describe(msg: KerongMessage): string {
  return codecOf(msg).describe(msg);
}
