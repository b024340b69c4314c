/**
 * Streaming decoder of kerong-cu16. Requests and replies use different command bytes, so one
 * decoder serves both the master (replies) and a simulated board (requests). The frame length
 * follows from CMD; 0x37 is 5 bytes (query) or 7 (set), told apart by where ETX and a valid SUM sit.
 * Where the CMD's own length does not fit (ETX not in place, or a wrong SUM), a well-formed 9-byte
 * frame is a board's status whatever its CMD: boards answer an unlock with `02 ADDR 31 h1 h2 i1 i2
 * 03 SUM` (SPEC.md, "Reply forms").
 */
import { sum8 } from "../bytes.js";
import { type Attempt, ResyncFramer } from "../framer.js";
import type { FrameDecoder } from "../types.js";
import { CMD, ETX, STX } from "./constants.js";
import { DelayedUnlock, QueryLock, Unlock, UnlockAll } from "./lock-commands.js";
import type { KerongMessage } from "./messages.js";
import { QueryBus } from "./query-bus.js";
import { SetBaudRate } from "./set-baud-rate.js";
import { BusStatusReply, decodeStatusFrame } from "./status-reply.js";
import { QueryUnlockTime, SetUnlockTime, UnlockTimeReply } from "./unlock-time.js";

type Decode = (frame: Buffer) => KerongMessage | undefined;

const FIXED = new Map<number, { length: number; decode: Decode }>([
  [CMD.QUERY_LOCK, { length: 5, decode: QueryLock.decode }],
  [CMD.UNLOCK, { length: 5, decode: Unlock.decode }],
  [CMD.QUERY_BUS, { length: 5, decode: QueryBus.decode }],
  [CMD.UNLOCK_ALL, { length: 5, decode: UnlockAll.decode }],
  [CMD.STATUS_REPLY, { length: 9, decode: decodeStatusFrame }],
  [CMD.BUS_STATUS_REPLY, { length: 9, decode: BusStatusReply.decode }],
  [CMD.UNLOCK_TIME_REPLY, { length: 7, decode: UnlockTimeReply.decode }],
  [CMD.DELAYED_UNLOCK, { length: 6, decode: DelayedUnlock.decode }],
  [CMD.SET_BAUD, { length: 6, decode: SetBaudRate.decode }],
]);

const MIN_FRAME = 5;
const MAX_FRAME = 9;

function fixed(buf: Buffer, length: number, decode: Decode): Attempt<KerongMessage> {
  if (buf.length >= length - 1 && buf[length - 2] !== ETX) return { type: "invalid" };
  if (buf.length < length) return { type: "need" };
  if (sum8(buf, 0, length - 1) !== buf[length - 1]) return { type: "checksum", length };
  const msg = decode(buf.subarray(0, length));
  return msg ? { type: "frame", length, msg } : { type: "unknown", length };
}

/** 0x37: query (5 bytes) or set (7 bytes). */
function unlockTime(buf: Buffer): Attempt<KerongMessage> {
  if (buf.length < 4) return { type: "need" };
  if (buf[3] !== ETX) return fixed(buf, 7, SetUnlockTime.decode);
  if (buf.length < 5) return { type: "need" };
  if (sum8(buf, 0, 4) === buf[4]) {
    const seven = buf.length >= 7 ? fixed(buf, 7, SetUnlockTime.decode) : undefined;
    return seven?.type === "frame" ? seven : fixed(buf, 5, QueryUnlockTime.decode);
  }
  const seven = fixed(buf, 7, SetUnlockTime.decode);
  return seven.type === "invalid" ? { type: "checksum", length: 5 } : seven;
}

/** The 9-byte status form, whatever the CMD byte. */
function nine(buf: Buffer): Attempt<KerongMessage> {
  return fixed(buf, MAX_FRAME, decodeStatusFrame);
}

/**
 * The CMD's own reading `a`, or, where it does not fit, the 9-byte status form: in place of an
 * invalid reading (ETX not where the CMD puts it) always; in place of a wrong SUM only when the
 * 9 bytes are already here and valid (a checksum error is reported at once, not held back).
 */
function orNine(a: Attempt<KerongMessage>, buf: Buffer): Attempt<KerongMessage> {
  if (a.type === "invalid") return nine(buf);
  if (a.type !== "checksum") return a;
  const n = nine(buf);
  return n.type === "frame" ? n : a;
}

/**
 * An unknown CMD: a well-formed 9-byte frame is a status (any CMD); a shorter well-formed frame
 * already here is "unknown"; otherwise wait while a 9-byte frame is still possible.
 */
function unknownCommand(buf: Buffer): Attempt<KerongMessage> {
  for (let n = MIN_FRAME; n <= Math.min(MAX_FRAME, buf.length); n++) {
    if (buf[n - 2] === ETX && sum8(buf, 0, n - 1) === buf[n - 1]) {
      return n === MAX_FRAME ? nine(buf) : { type: "unknown", length: n };
    }
  }
  if (buf.length < MAX_FRAME && !(buf.length >= MAX_FRAME - 1 && buf[MAX_FRAME - 2] !== ETX)) {
    return { type: "need" };
  }
  return { type: "invalid" };
}

export class KerongDecoder extends ResyncFramer<KerongMessage> implements FrameDecoder<KerongMessage> {
  constructor() {
    super({
      maxFrameLength: MAX_FRAME,
      maxBuffer: 64,
      isStart: (buf) => buf[0] === STX,
      attempt(buf) {
        if (buf.length < 3) return { type: "need" };
        const cmd = buf[2]!;
        if (cmd === CMD.UNLOCK_TIME) return orNine(unlockTime(buf), buf);
        const spec = FIXED.get(cmd);
        if (!spec) return unknownCommand(buf);
        const own = fixed(buf, spec.length, spec.decode);
        return spec.length === MAX_FRAME ? own : orNine(own, buf);
      },
    });
  }
}

/** Options are accepted for symmetry with the other protocols; kerong-cu16 needs none. */
export type KerongDecoderOptions = Record<string, never>;

export function createKerongDecoder(_options?: KerongDecoderOptions): KerongDecoder {
  return new KerongDecoder();
}
