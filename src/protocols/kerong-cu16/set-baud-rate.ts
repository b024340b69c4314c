/** SetBaudRate (0x40): `02 ADDR 40 N 03 SUM`, N = 0..3 for 9600/19200/57600/115200. No reply. */
import { QhError } from "../../core/errors.js";
import type { MessageCodec } from "../types.js";
import { addrOf, assertBoard, BAUD_RATES, boardOf, CMD } from "./constants.js";
import { dataOf, frameOf } from "./frame.js";
import type { SetBaudRate as SetBaudRateMsg } from "./messages.js";

export const SetBaudRate: MessageCodec<SetBaudRateMsg> = {
  kind: "setBaudRate",
  encode(msg) {
    assertBoard(msg.board);
    const n = BAUD_RATES.indexOf(msg.baudRate);
    if (n < 0)
      throw new QhError("QH_COMMAND_INVALID", `kerong-cu16: baud rate ${msg.baudRate} is not settable`);
    return frameOf(addrOf(msg.board), CMD.SET_BAUD, [n]);
  },
  decode(frame) {
    const d = dataOf(frame, CMD.SET_BAUD, 1);
    const baudRate = d && BAUD_RATES[d[0]!];
    return baudRate ? { kind: "setBaudRate", board: boardOf(frame[1]!), baudRate } : undefined;
  },
  describe: (msg) => `SetBaudRate board=${msg.board} baud=${msg.baudRate}`,
};
