/**
 * A generic resynchronising framer for header-delimited binary protocols, used by the concrete
 * decoders (lockboard-xor, kerong-cu16). The protocol says, for the bytes at a candidate position,
 * whether a frame starts there and what it is; the framer does the buffering and the recovery:
 *
 *  - bytes that cannot start a frame are reported together as one "garbage" result;
 *  - a frame with a bad checksum is reported as "checksum" and skipped, unless a valid frame starts
 *    inside it (then only the bytes before that frame are garbage: a good frame is never lost);
 *  - a partial frame stays buffered across chunks; if a complete valid frame already sits inside
 *    the partial one, the partial one was noise and is dropped;
 *  - the buffer never grows past maxBuffer (the excess is reported as "length").
 */
import type { DecodeResult, FrameDecoder } from "./types.js";

export type Attempt<M> =
  /** Not enough bytes yet to decide. */
  | { type: "need" }
  | { type: "frame"; length: number; msg: M }
  /** Well formed and checksum right, but a function we do not know. */
  | { type: "unknown"; length: number }
  /** Plausible header and length, wrong checksum. */
  | { type: "checksum"; length: number }
  /** No frame starts here. */
  | { type: "invalid" };

export interface FramerSpec<M> {
  /** Could a frame start at buf[0]? Looks at as many following bytes as it needs and has. */
  isStart(buf: Buffer): boolean;
  /** Try to read one frame at buf[0] (isStart already true). */
  attempt(buf: Buffer): Attempt<M>;
  /** Longest frame of the protocol. */
  maxFrameLength: number;
  /** Hard cap on buffered bytes (default 4 × maxFrameLength). */
  maxBuffer?: number;
}

export class ResyncFramer<M> implements FrameDecoder<M> {
  private buf: Buffer = Buffer.alloc(0);
  private readonly maxBuffer: number;

  constructor(private readonly spec: FramerSpec<M>) {
    this.maxBuffer = spec.maxBuffer ?? spec.maxFrameLength * 4;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }

  /** Bytes currently held (a partial frame). */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): DecodeResult<M>[] {
    const out: DecodeResult<M>[] = [];
    const buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    let garbageFrom = -1;
    const flushGarbage = (until: number): void => {
      if (garbageFrom >= 0 && until > garbageFrom) {
        out.push({ ok: false, reason: "garbage", raw: Buffer.from(buf.subarray(garbageFrom, until)) });
      }
      garbageFrom = -1;
    };
    const markGarbage = (from: number): void => {
      if (garbageFrom < 0) garbageFrom = from;
    };

    while (pos < buf.length) {
      const here = buf.subarray(pos);
      if (!this.spec.isStart(here)) {
        markGarbage(pos);
        pos++;
        continue;
      }
      const a = this.spec.attempt(here);
      if (a.type === "frame") {
        flushGarbage(pos);
        out.push({ ok: true, msg: a.msg, raw: Buffer.from(here.subarray(0, a.length)) });
        pos += a.length;
      } else if (a.type === "unknown") {
        flushGarbage(pos);
        out.push({ ok: false, reason: "unknown", raw: Buffer.from(here.subarray(0, a.length)) });
        pos += a.length;
      } else if (a.type === "checksum") {
        const inner = this.innerStart(here, a.length, true);
        if (inner > 0) {
          markGarbage(pos);
          pos += inner;
        } else {
          flushGarbage(pos);
          out.push({ ok: false, reason: "checksum", raw: Buffer.from(here.subarray(0, a.length)) });
          pos += a.length;
        }
      } else if (a.type === "invalid") {
        markGarbage(pos);
        pos++;
      } else {
        // need more bytes: unless a complete good frame is already inside this partial one
        const inner = this.innerStart(here, here.length, false);
        if (inner > 0) {
          markGarbage(pos);
          pos += inner;
          continue;
        }
        break;
      }
    }
    flushGarbage(pos);

    let rest = buf.subarray(pos);
    if (rest.length > this.maxBuffer) {
      out.push({
        ok: false,
        reason: "length",
        raw: Buffer.from(rest.subarray(0, rest.length - this.maxBuffer)),
      });
      rest = rest.subarray(rest.length - this.maxBuffer);
    }
    this.buf = Buffer.from(rest);
    return out;
  }

  /**
   * First offset j in [1, length) where a frame starts inside the candidate at buf[0]: with
   * `allowPartial`, a frame that is complete and valid or still needs bytes; otherwise only a
   * complete valid frame. 0 when there is none.
   */
  private innerStart(buf: Buffer, length: number, allowPartial: boolean): number {
    for (let j = 1; j < length && j < buf.length; j++) {
      const sub = buf.subarray(j);
      if (!this.spec.isStart(sub)) continue;
      const t = this.spec.attempt(sub).type;
      if (t === "frame" || (allowPartial && (t === "need" || t === "unknown"))) return j;
    }
    return 0;
  }
}
