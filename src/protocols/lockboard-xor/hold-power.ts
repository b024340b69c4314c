/**
 * HoldPower: `9A board lock 11 XOR` keeps a lock powered, `9B board lock 11 XOR` releases it (for
 * electromagnetic locks). HoldPowerReply: the same 5 bytes echoed.
 */

import { xor8 } from "../bytes.js";
import type { MessageCodec } from "../types.js";
import { assertBoard, assertLock, FN, HEADER } from "./constants.js";
import { withXor } from "./frame.js";
import type { HoldPower as HoldPowerMsg, HoldPowerReply as HoldPowerReplyMsg } from "./messages.js";

function encodeHold(board: number, lock: number, on: boolean): Buffer {
  assertBoard(board);
  assertLock(lock);
  return withXor([on ? HEADER.HOLD_ON : HEADER.HOLD_OFF, board, lock, FN.OPEN]);
}

function decodeHold(frame: Buffer): { board: number; lock: number; on: boolean } | undefined {
  if (frame.length !== 5 || (frame[0] !== HEADER.HOLD_ON && frame[0] !== HEADER.HOLD_OFF)) return undefined;
  if (xor8(frame, 0, 4) !== frame[4] || frame[3] !== FN.OPEN || frame[2] === 0) return undefined;
  return { board: frame[1]!, lock: frame[2]!, on: frame[0] === HEADER.HOLD_ON };
}

export const HoldPower: MessageCodec<HoldPowerMsg> = {
  kind: "holdPower",
  encode: (msg) => encodeHold(msg.board, msg.lock, msg.on),
  decode(frame) {
    const d = decodeHold(frame);
    return d && { kind: "holdPower", ...d };
  },
  describe: (msg) => `HoldPower board=${msg.board} lock=${msg.lock} ${msg.on ? "on" : "off"}`,
};

export const HoldPowerReply: MessageCodec<HoldPowerReplyMsg> = {
  kind: "holdPowerReply",
  encode: (msg) => encodeHold(msg.board, msg.lock, msg.on),
  decode(frame) {
    const d = decodeHold(frame);
    return d && { kind: "holdPowerReply", ...d };
  },
  describe: (msg) => `HoldPowerReply board=${msg.board} lock=${msg.lock} ${msg.on ? "on" : "off"}`,
};
