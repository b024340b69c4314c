/**
 * Streaming line decoder for serial barcode scanners. Yields `{ kind: "scan", code }` per line;
 * rejects a line whose prefix/suffix is missing or that holds a non-printable byte ("garbage"), and
 * a line longer than allowed ("length", the rest of it is skipped up to its terminator). Blank
 * lines are ignored. The buffer never holds more than one maximal line.
 */
import type { DecodeResult, FrameDecoder } from "../types.js";
import {
  CR,
  DEFAULT_MAX_LENGTH,
  isCodeByte,
  LF,
  type ScannerLineOptions,
  type ScannerMessage,
  type Terminator,
} from "./scan.js";

export class ScannerLineDecoder implements FrameDecoder<ScannerMessage> {
  private readonly terminator: Terminator;
  private readonly prefix: readonly number[];
  private readonly suffix: readonly number[];
  private readonly maxLine: number;
  private line: number[] = [];
  /** In "CRLF" mode: a CR seen, waiting to see whether LF follows. */
  private pendingCr = false;
  /** In "auto" mode: the last line ended with CR, so an LF right after belongs to it. */
  private afterCr = false;
  /** Dropping the rest of an over-long line. */
  private skipping = false;

  constructor(options: ScannerLineOptions = {}) {
    this.terminator = options.terminator ?? "auto";
    this.prefix = options.prefix ?? [];
    this.suffix = options.suffix ?? [];
    this.maxLine = this.prefix.length + (options.maxLength ?? DEFAULT_MAX_LENGTH) + this.suffix.length;
  }

  reset(): void {
    this.line = [];
    this.pendingCr = false;
    this.afterCr = false;
    this.skipping = false;
  }

  push(chunk: Buffer): DecodeResult<ScannerMessage>[] {
    const out: DecodeResult<ScannerMessage>[] = [];
    for (const b of chunk) this.byte(b, out);
    return out;
  }

  private byte(b: number, out: DecodeResult<ScannerMessage>[]): void {
    switch (this.terminator) {
      case "CR":
        if (b === CR) this.endLine([CR], out);
        else this.add(b, out);
        return;
      case "LF":
        if (b === LF) this.endLine([LF], out);
        else this.add(b, out);
        return;
      case "CRLF":
        if (this.pendingCr) {
          this.pendingCr = false;
          if (b === LF) {
            this.endLine([CR, LF], out);
            return;
          }
          this.add(CR, out); // a lone CR is content (and not printable)
        }
        if (b === CR) this.pendingCr = true;
        else this.add(b, out);
        return;
      case "auto": {
        const afterCr = this.afterCr;
        this.afterCr = b === CR;
        if (b === CR) this.endLine([CR], out);
        else if (b === LF) {
          if (!afterCr) this.endLine([LF], out);
        } else this.add(b, out);
        return;
      }
    }
  }

  private add(b: number, out: DecodeResult<ScannerMessage>[]): void {
    if (this.skipping) return;
    this.line.push(b);
    if (this.line.length > this.maxLine) {
      out.push({ ok: false, reason: "length", raw: Buffer.from(this.line) });
      this.line = [];
      this.skipping = true;
    }
  }

  private endLine(term: number[], out: DecodeResult<ScannerMessage>[]): void {
    const line = this.line;
    this.line = [];
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    if (line.length === 0) return;
    const raw = Buffer.from([...line, ...term]);
    const p = this.prefix.length;
    const s = this.suffix.length;
    const framed =
      line.length > p + s &&
      this.prefix.every((x, i) => line[i] === x) &&
      this.suffix.every((x, i) => line[line.length - s + i] === x);
    const content = line.slice(p, line.length - s);
    if (!framed || !content.every(isCodeByte)) {
      out.push({ ok: false, reason: "garbage", raw });
      return;
    }
    out.push({ ok: true, msg: { kind: "scan", code: Buffer.from(content).toString("latin1") }, raw });
  }
}

export function createScannerDecoder(options?: ScannerLineOptions): ScannerLineDecoder {
  return new ScannerLineDecoder(options);
}
