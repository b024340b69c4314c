/**
 * Commands addressed to one lock or one board: QueryLock (0x30), Unlock (0x31), UnlockAll (0x33),
 * all `02 ADDR CMD 03 SUM`, and DelayedUnlock (0x39) `02 ADDR 39 SECS 03 SUM`.
 */
import type { MessageCodec } from "../types.js";
import {
  addrOf,
  assertBoard,
  assertLock,
  assertRange,
  boardOf,
  CMD,
  lockOf,
  MAX_DELAY_SECONDS,
} from "./constants.js";
import { dataOf, frameOf } from "./frame.js";
import type {
  DelayedUnlock as DelayedUnlockMsg,
  QueryLock as QueryLockMsg,
  UnlockAll as UnlockAllMsg,
  Unlock as UnlockMsg,
} from "./messages.js";

export const QueryLock: MessageCodec<QueryLockMsg> = {
  kind: "queryLock",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    return frameOf(addrOf(msg.board, msg.lock), CMD.QUERY_LOCK);
  },
  decode(frame) {
    if (!dataOf(frame, CMD.QUERY_LOCK, 0)) return undefined;
    return { kind: "queryLock", board: boardOf(frame[1]!), lock: lockOf(frame[1]!) };
  },
  describe: (msg) => `QueryLock board=${msg.board} lock=${msg.lock}`,
};

export const Unlock: MessageCodec<UnlockMsg> = {
  kind: "unlock",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    return frameOf(addrOf(msg.board, msg.lock), CMD.UNLOCK);
  },
  decode(frame) {
    if (!dataOf(frame, CMD.UNLOCK, 0)) return undefined;
    return { kind: "unlock", board: boardOf(frame[1]!), lock: lockOf(frame[1]!) };
  },
  describe: (msg) => `Unlock board=${msg.board} lock=${msg.lock}`,
};

export const UnlockAll: MessageCodec<UnlockAllMsg> = {
  kind: "unlockAll",
  encode(msg) {
    assertBoard(msg.board);
    return frameOf(addrOf(msg.board), CMD.UNLOCK_ALL);
  },
  decode(frame) {
    if (!dataOf(frame, CMD.UNLOCK_ALL, 0)) return undefined;
    return { kind: "unlockAll", board: boardOf(frame[1]!) };
  },
  describe: (msg) => `UnlockAll board=${msg.board}`,
};

export const DelayedUnlock: MessageCodec<DelayedUnlockMsg> = {
  kind: "delayedUnlock",
  encode(msg) {
    assertBoard(msg.board);
    assertLock(msg.lock);
    assertRange("delay seconds", msg.seconds, 0, MAX_DELAY_SECONDS);
    return frameOf(addrOf(msg.board, msg.lock), CMD.DELAYED_UNLOCK, [msg.seconds]);
  },
  decode(frame) {
    const data = dataOf(frame, CMD.DELAYED_UNLOCK, 1);
    if (!data || data[0]! > MAX_DELAY_SECONDS) return undefined;
    return { kind: "delayedUnlock", board: boardOf(frame[1]!), lock: lockOf(frame[1]!), seconds: data[0]! };
  },
  describe: (msg) => `DelayedUnlock board=${msg.board} lock=${msg.lock} seconds=${msg.seconds}`,
};
