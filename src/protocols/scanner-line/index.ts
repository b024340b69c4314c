/**
 * scanner-line: serial barcode scanners sending one ASCII code per line (9600 8N1 by default).
 * Spec and vectors: firmware-protocols/scanner-line/.
 */
export { createScannerDecoder, ScannerLineDecoder } from "./decoder.js";
export {
  CR,
  DEFAULT_BAUD_RATE,
  DEFAULT_MAX_LENGTH,
  describe,
  encodeScan,
  isPrintable,
  LF,
  type Scan,
  type ScannerLineOptions,
  type ScannerMessage,
  type Terminator,
  terminatorBytes,
} from "./scan.js";

export const PROTOCOL_NAME = "scanner-line";
