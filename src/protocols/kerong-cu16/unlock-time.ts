/**
 * Unlock (pulse) time, in 10 ms units, two bytes high first:
 *  - QueryUnlockTime `02 ADDR 37 03 SUM`, SetUnlockTime `02 ADDR 37 HI LO 03 SUM`;
 *  - UnlockTimeReply `02 ADDR 38 HI LO 03 SUM`, the value now in force.
 */
import { QhError } from "../../core/errors.js";
import { sum8 } from "../bytes.js";
import type { MessageCodec } from "../types.js";
import { addrOf, assertBoard, assertRange, boardOf, CMD, ETX, STX } from "./constants.js";
import { dataOf, frameOf } from "./frame.js";
import type {
  QueryUnlockTime as QueryUnlockTimeMsg,
  SetUnlockTime as SetUnlockTimeMsg,
  UnlockTimeReply as UnlockTimeReplyMsg,
} from "./messages.js";

/**
 * The one value per ADDR whose 7-byte set frame starts with a valid 5-byte query frame
 * (HI = 0x03 and LO = the query's SUM); a receiver could not tell them apart, so we never send it.
 */
export function ambiguousUnlockUnits(addr: number): number {
  return (ETX << 8) | sum8(Buffer.from([STX, addr, CMD.UNLOCK_TIME, ETX]));
}

export const QueryUnlockTime: MessageCodec<QueryUnlockTimeMsg> = {
  kind: "queryUnlockTime",
  encode(msg) {
    assertBoard(msg.board);
    return frameOf(addrOf(msg.board), CMD.UNLOCK_TIME);
  },
  decode: (frame) =>
    dataOf(frame, CMD.UNLOCK_TIME, 0) ? { kind: "queryUnlockTime", board: boardOf(frame[1]!) } : undefined,
  describe: (msg) => `QueryUnlockTime board=${msg.board}`,
};

export const SetUnlockTime: MessageCodec<SetUnlockTimeMsg> = {
  kind: "setUnlockTime",
  encode(msg) {
    assertBoard(msg.board);
    assertRange("unlock time units", msg.units, 0, 0xffff);
    const addr = addrOf(msg.board);
    if (msg.units === ambiguousUnlockUnits(addr)) {
      throw new QhError(
        "QH_COMMAND_INVALID",
        `kerong-cu16: unlock time ${msg.units} × 10 ms cannot be sent to board ${msg.board} (its frame reads as a query); use ${msg.units + 1}`,
      );
    }
    return frameOf(addr, CMD.UNLOCK_TIME, [msg.units >> 8, msg.units & 0xff]);
  },
  decode(frame) {
    const d = dataOf(frame, CMD.UNLOCK_TIME, 2);
    return d && { kind: "setUnlockTime", board: boardOf(frame[1]!), units: (d[0]! << 8) | d[1]! };
  },
  describe: (msg) => `SetUnlockTime board=${msg.board} units=${msg.units} (${msg.units * 10} ms)`,
};

export const UnlockTimeReply: MessageCodec<UnlockTimeReplyMsg> = {
  kind: "unlockTimeReply",
  encode(msg) {
    assertBoard(msg.board);
    assertRange("unlock time units", msg.units, 0, 0xffff);
    return frameOf(addrOf(msg.board), CMD.UNLOCK_TIME_REPLY, [msg.units >> 8, msg.units & 0xff]);
  },
  decode(frame) {
    const d = dataOf(frame, CMD.UNLOCK_TIME_REPLY, 2);
    return d && { kind: "unlockTimeReply", board: boardOf(frame[1]!), units: (d[0]! << 8) | d[1]! };
  },
  describe: (msg) => `UnlockTimeReply board=${msg.board} units=${msg.units} (${msg.units * 10} ms)`,
};
