/**
 * Simulator of a serial barcode scanner: scan(code) writes the line with the configured prefix,
 * suffix and terminator. Bytes from the host are ignored. See firmware-protocols/scanner-line.
 */
import { encodeScan, type ScannerLineOptions } from "../protocols/scanner-line/index.js";
import type { Outgoing, SimTimingOptions } from "./types.js";
import { SimBase } from "./wire.js";

export interface ScannerSimOptions extends SimTimingOptions {
  /** Line ending the scanner sends (default "CR"). */
  terminator?: "CR" | "LF" | "CRLF";
  prefix?: readonly number[];
  suffix?: readonly number[];
  /** Longest code scan() accepts (default 128). */
  maxLength?: number;
}

export class ScannerSim extends SimBase {
  readonly protocol = "scanner-line";
  private readonly line: ScannerLineOptions;

  constructor(options: ScannerSimOptions = {}) {
    super(options);
    this.line = {
      terminator: options.terminator ?? "CR",
      prefix: options.prefix ?? [],
      suffix: options.suffix ?? [],
      ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
    };
  }

  /** The bytes of one scan (pure). Throws QhError for an empty, over-long or non-printable code. */
  frame(code: string): Buffer {
    return encodeScan({ kind: "scan", code }, this.line);
  }

  /** A code is scanned: its line goes out on the wire. */
  scan(code: string): void {
    this.transmit(this.frame(code));
  }

  handle(_chunk: Buffer): Outgoing[] {
    return [];
  }
}

export function createScannerSim(options?: ScannerSimOptions): ScannerSim {
  return new ScannerSim(options);
}
