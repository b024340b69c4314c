/**
 * mdb-bridge-text: our ASCII line protocol for an MDB-to-serial bridge in cashless-device mode
 * (115200 8N1). Spec, MDB mapping and vectors: firmware-protocols/mdb-bridge-text/.
 */
export {
  createBridgeDecoder,
  createHostDecoder,
  createMdbBridgeDecoder,
  MdbBridgeDecoder,
  type MdbBridgeDecoderOptions,
} from "./decoder.js";
export {
  type BridgeCommand,
  type BridgeErrorReason,
  type BridgeEvent,
  CR,
  commandText,
  DEFAULT_BAUD_RATE,
  describe,
  ERROR_REASONS,
  encode,
  eventText,
  isCommand,
  LF,
  MAX_LINE,
  type MdbBridgeMessage,
  READER_STATES,
  type ReaderConfig,
  type ReaderState,
} from "./messages.js";
export { type ParsedLine, parseCommandLine, parseEventLine, type Role } from "./parse.js";

export const PROTOCOL_NAME = "mdb-bridge-text";
