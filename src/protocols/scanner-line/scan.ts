/**
 * The one message of a serial barcode scanner: a printable-ASCII code (GS allowed, for GS1
 * element strings) on a line, framed as
 * [prefix] code [suffix] terminator.
 */
import { QhError } from "../../core/errors.js";

export interface Scan {
  kind: "scan";
  code: string;
}
export type ScannerMessage = Scan;

export type Terminator = "CR" | "LF" | "CRLF" | "auto";

export interface ScannerLineOptions {
  /** Line ending; "auto" (default) accepts CR, LF or CRLF. */
  terminator?: Terminator;
  /** Bytes the scanner puts before each code (e.g. [0x01]); checked and stripped. */
  prefix?: readonly number[];
  /** Bytes the scanner puts after each code, before the terminator; checked and stripped. */
  suffix?: readonly number[];
  /** Longest code accepted, in characters (default 128); longer lines are rejected. */
  maxLength?: number;
}

export const DEFAULT_BAUD_RATE = 9600;
export const DEFAULT_MAX_LENGTH = 128;
export const CR = 0x0d;
export const LF = 0x0a;

export function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e;
}

/** GS (ASCII 29): GS1 symbols transmit FNC1 as a separator this way (gs1-element-strings SPEC). */
export const GS = 0x1d;

/** What a code may hold: printable ASCII, and GS between the fields of a GS1 element string. */
export function isCodeByte(byte: number): boolean {
  return isPrintable(byte) || byte === GS;
}

export function terminatorBytes(terminator: Terminator = "auto"): number[] {
  if (terminator === "LF") return [LF];
  if (terminator === "CRLF") return [CR, LF];
  return [CR]; // "CR", and what we send for "auto"
}

/** The bytes a scanner sends for `code` ("auto" is sent as CR). */
export function encodeScan(msg: Scan, options: ScannerLineOptions = {}): Buffer {
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const code = Buffer.from(msg.code, "latin1");
  if (
    code.length === 0 ||
    code.length > max ||
    !code.every(isCodeByte) ||
    code.toString("latin1") !== msg.code
  ) {
    throw new QhError(
      "QH_COMMAND_INVALID",
      `scanner-line: code must be 1..${max} printable ASCII characters (or GS between GS1 fields)`,
    );
  }
  return Buffer.from([
    ...(options.prefix ?? []),
    ...code,
    ...(options.suffix ?? []),
    ...terminatorBytes(options.terminator),
  ]);
}

export function describe(msg: Scan): string {
  return `Scan code=${JSON.stringify(msg.code)}`;
}
