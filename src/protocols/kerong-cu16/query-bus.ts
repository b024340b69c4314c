/** QueryBus (0x32): `02 F0 32 03 27`, every board on the bus answers with a BusStatusReply. */
import type { MessageCodec } from "../types.js";
import { BROADCAST, CMD } from "./constants.js";
import { dataOf, frameOf } from "./frame.js";
import type { QueryBus as QueryBusMsg } from "./messages.js";

export const QueryBus: MessageCodec<QueryBusMsg> = {
  kind: "queryBus",
  encode: () => frameOf(BROADCAST, CMD.QUERY_BUS),
  /** Any ADDR is accepted (some drivers send 0x00); 0xF0 is what we send. */
  decode: (frame) => (dataOf(frame, CMD.QUERY_BUS, 0) ? { kind: "queryBus" } : undefined),
  describe: () => "QueryBus",
};
