/**
 * Streaming line framer for mdb-bridge-text. Bytes in, one DecodeResult per line out: a line ends
 * at LF (one CR right before it is part of the terminator); blank lines are skipped; a line longer
 * than MAX_LINE is reported once as "length" and the rest of it, up to its LF, dropped; a line that
 * does not parse is "garbage" or "unknown" (parse.ts). `raw` is the whole line with its terminator.
 * The buffer never holds more than one maximal line.
 */
import type { DecodeResult, FrameDecoder } from "../types.js";
import type { BridgeCommand, BridgeEvent } from "./messages.js";
import { CR, LF, MAX_LINE } from "./messages.js";
import { type ParsedLine, parseCommandLine, parseEventLine, type Role } from "./parse.js";

export interface MdbBridgeDecoderOptions {
  /** "host" (default): decode the bridge's lines (events); "bridge": decode the host's commands. */
  role?: Role;
  /** Longest line accepted, terminator excluded (default MAX_LINE = 256). */
  maxLine?: number;
}

export class MdbBridgeDecoder<M extends BridgeCommand | BridgeEvent> implements FrameDecoder<M> {
  private line: number[] = [];
  private skipping = false;
  private readonly maxLine: number;
  private readonly parse: (line: string) => ParsedLine<M>;

  constructor(options: MdbBridgeDecoderOptions = {}) {
    this.maxLine = options.maxLine ?? MAX_LINE;
    this.parse = (options.role === "bridge" ? parseCommandLine : parseEventLine) as (
      line: string,
    ) => ParsedLine<M>;
  }

  reset(): void {
    this.line = [];
    this.skipping = false;
  }

  push(chunk: Buffer): DecodeResult<M>[] {
    const out: DecodeResult<M>[] = [];
    for (const b of chunk) {
      if (b === LF) {
        this.end(out);
        continue;
      }
      if (this.skipping) continue;
      this.line.push(b);
      // a CR may still be the terminator's first byte: allow one byte over the limit for it
      if (this.line.length > this.maxLine + 1 || (this.line.length > this.maxLine && b !== CR)) {
        out.push({ ok: false, reason: "length", raw: Buffer.from(this.line) });
        this.line = [];
        this.skipping = true;
      }
    }
    return out;
  }

  private end(out: DecodeResult<M>[]): void {
    const bytes = this.line;
    this.line = [];
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const raw = Buffer.from([...bytes, LF]);
    const content = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.slice(0, -1) : bytes;
    if (content.length === 0) return; // blank line
    const r = this.parse(Buffer.from(content).toString("latin1"));
    out.push(r.ok ? { ok: true, msg: r.msg, raw } : { ok: false, reason: r.reason, raw });
  }
}

/** A decoder for the gateway's side: reads the bridge's answers and events. */
export function createHostDecoder(
  options: Omit<MdbBridgeDecoderOptions, "role"> = {},
): MdbBridgeDecoder<BridgeEvent> {
  return new MdbBridgeDecoder<BridgeEvent>({ ...options, role: "host" });
}

/** A decoder for the bridge's side (the simulator): reads the host's commands. */
export function createBridgeDecoder(
  options: Omit<MdbBridgeDecoderOptions, "role"> = {},
): MdbBridgeDecoder<BridgeCommand> {
  return new MdbBridgeDecoder<BridgeCommand>({ ...options, role: "bridge" });
}

export function createMdbBridgeDecoder(
  options: MdbBridgeDecoderOptions = {},
): MdbBridgeDecoder<BridgeCommand | BridgeEvent> {
  return new MdbBridgeDecoder(options);
}
