/**
 * Simulator of a serial barcode scanner: scan(code) writes the line with the configured prefix,
 * suffix and terminator; scanGs1(elements) a GS1 symbol's element string (with GS, a stand-in or
 * no separator). Bytes from the host are ignored. See firmware-protocols/scanner-line and
 * firmware-protocols/gs1-element-strings.
 */
import { encodeGs1, type GS1_SYMBOLOGIES } from "../domain/trace/gs1.js";
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

  /**
   * A GS1 symbol is scanned (firmware-protocols/gs1-element-strings): its element string goes out
   * behind the symbology identifier (`]C1` GS1-128 by default, `""` for a scanner set to send
   * none), with GS after each variable-length field that is not last, or what a real scanner
   * may do instead: `separator: "|"` (rewritten), `separator: ""` (dropped). Returns the text sent.
   */
  scanGs1(
    elements: readonly { ai: string; value: string }[],
    o: { symbology?: keyof typeof GS1_SYMBOLOGIES | ""; separator?: string } = {},
  ): string {
    const text = encodeGs1(elements, { symbology: o.symbology ?? "]C1", separator: o.separator });
    this.scan(text);
    return text;
  }

  handle(_chunk: Buffer): Outgoing[] {
    return [];
  }
}

export function createScannerSim(options?: ScannerSimOptions): ScannerSim {
  return new ScannerSim(options);
}
