/**
 * Streaming decoder of lockboard-xor. A master decodes what boards send (role "master": open
 * replies, status replies, query-all replies, pushes); a simulated board decodes what the master
 * sends (role "board"). The two directions share byte layouts (an echoed open reply is byte-for-byte
 * the open request), so the role must be known.
 *
 * Header 0x80 from a board is either a 5-byte status reply or a 7-byte query-all reply, and the
 * first 5 bytes of a query-all reply can pass as a status reply. Lock 0 can only be a query-all
 * reply; otherwise the master should call `expect(request)` before each write so that a reply to
 * QueryAll is always read as 7 bytes. Without that hint a 0x80 frame is read as 7 bytes when all
 * 7 are already buffered and valid, else as 5.
 */
import { xor8 } from "../bytes.js";
import { type Attempt, ResyncFramer } from "../framer.js";
import type { DecodeResult, FrameDecoder } from "../types.js";
import { BatchOpen, BatchOpenReply } from "./batch-open.js";
import { FN, HEADER, MAX_BOARD, MAX_LOCKS } from "./constants.js";
import { HoldPower, HoldPowerReply } from "./hold-power.js";
import { LockStatusReply } from "./lock-status-reply.js";
import type { LockboardMessage, OpenReplyStyle } from "./messages.js";
import { OpenAll, OpenLock } from "./open-lock.js";
import { decodeOpenReply } from "./open-reply.js";
import { PushChange } from "./push-change.js";
import { QueryAll, QueryLock } from "./query.js";
import { QueryAllReply } from "./query-all-reply.js";

export interface LockboardDecoderOptions {
  /** "master" (default) decodes frames sent by boards; "board" decodes requests from the master. */
  role?: "master" | "board";
  /** The board model's open-reply style; omit to accept both (a 0x11 reply is then an echo). */
  openReply?: OpenReplyStyle;
  /** Highest plausible board address (default 32); used to resynchronise. */
  maxBoard?: number;
  /** Highest plausible lock number (default 50); used to resynchronise. */
  maxLocks?: number;
}

const MASTER_HEADERS = new Set<number>([
  HEADER.OPEN,
  HEADER.QUERY,
  HEADER.PUSH,
  HEADER.BATCH_OPEN,
  HEADER.HOLD_ON,
  HEADER.HOLD_OFF,
]);
const BOARD_HEADERS = new Set<number>([
  HEADER.OPEN,
  HEADER.QUERY,
  HEADER.BATCH_OPEN,
  HEADER.HOLD_ON,
  HEADER.HOLD_OFF,
]);

type Decode = (frame: Buffer) => LockboardMessage | undefined;

function fixed(buf: Buffer, length: number, decode: Decode): Attempt<LockboardMessage> {
  if (buf.length < length) return { type: "need" };
  const frame = buf.subarray(0, length);
  if (xor8(frame, 0, length - 1) !== frame[length - 1]) return { type: "checksum", length };
  const msg = decode(frame);
  return msg ? { type: "frame", length, msg } : { type: "unknown", length };
}

const first =
  (...decoders: Decode[]): Decode =>
  (frame) => {
    for (const d of decoders) {
      const m = d(frame);
      if (m) return m;
    }
    return undefined;
  };

export class LockboardDecoder implements FrameDecoder<LockboardMessage> {
  private readonly framer: ResyncFramer<LockboardMessage>;
  private readonly role: "master" | "board";
  private readonly openReply: OpenReplyStyle | undefined;
  private readonly maxBoard: number;
  private readonly maxLocks: number;
  /** Board whose query-all reply is awaited (from expect()). */
  private queryAllBoard: number | undefined;

  constructor(options: LockboardDecoderOptions = {}) {
    this.role = options.role ?? "master";
    this.openReply = options.openReply;
    this.maxBoard = options.maxBoard ?? MAX_BOARD;
    this.maxLocks = options.maxLocks ?? MAX_LOCKS;
    this.framer = new ResyncFramer<LockboardMessage>({
      maxFrameLength: 7,
      maxBuffer: 64,
      isStart: (buf) => this.isStart(buf),
      attempt: (buf) => (this.role === "master" ? this.attemptMaster(buf) : this.attemptBoard(buf)),
    });
  }

  push(chunk: Buffer): DecodeResult<LockboardMessage>[] {
    const out = this.framer.push(chunk);
    for (const r of out) {
      if (r.ok && r.msg.kind === "queryAllReply" && r.msg.board === this.queryAllBoard) {
        this.queryAllBoard = undefined;
      }
    }
    return out;
  }

  reset(): void {
    this.framer.reset();
    this.queryAllBoard = undefined;
  }

  expect(request: LockboardMessage | undefined): void {
    this.queryAllBoard = request?.kind === "queryAll" ? request.board : undefined;
  }

  private isStart(buf: Buffer): boolean {
    const h = buf[0]!;
    if (!(this.role === "master" ? MASTER_HEADERS : BOARD_HEADERS).has(h)) return false;
    if (buf.length < 2) return true;
    const board = buf[1]!;
    if (board < 1 || board > this.maxBoard) return false;
    // byte 2 is a lock number, except in a query-all reply (0x80 from a board) and a batch mask (0x90)
    const lockAt2 = h !== HEADER.BATCH_OPEN && !(h === HEADER.QUERY && this.role === "master");
    return !(lockAt2 && buf.length >= 3 && buf[2]! > this.maxLocks);
  }

  private attemptBoard(buf: Buffer): Attempt<LockboardMessage> {
    switch (buf[0]) {
      case HEADER.OPEN:
        return fixed(buf, 5, first(OpenLock.decode, OpenAll.decode));
      case HEADER.QUERY:
        return fixed(buf, 5, first(QueryLock.decode, QueryAll.decode));
      case HEADER.BATCH_OPEN:
        return fixed(buf, 6, BatchOpen.decode);
      case HEADER.HOLD_ON:
      case HEADER.HOLD_OFF:
        return fixed(buf, 5, HoldPower.decode);
      default:
        return { type: "invalid" };
    }
  }

  private attemptMaster(buf: Buffer): Attempt<LockboardMessage> {
    switch (buf[0]) {
      case HEADER.OPEN:
        return fixed(buf, 5, (f) => decodeOpenReply(f, this.openReply));
      case HEADER.PUSH:
        return fixed(buf, 5, PushChange.decode);
      case HEADER.BATCH_OPEN:
        return fixed(buf, 6, BatchOpenReply.decode);
      case HEADER.HOLD_ON:
      case HEADER.HOLD_OFF:
        return fixed(buf, 5, HoldPowerReply.decode);
      case HEADER.QUERY:
        return this.attemptQueryReply(buf);
      default:
        return { type: "invalid" };
    }
  }

  /** 0x80 from a board: 5-byte LockStatusReply or 7-byte QueryAllReply. */
  private attemptQueryReply(buf: Buffer): Attempt<LockboardMessage> {
    if (buf.length < 5) return { type: "need" };
    const fiveOk = xor8(buf, 0, 4) === buf[4] && buf[2] !== 0;
    const wantSeven = buf[2] === 0 || this.queryAllBoard === buf[1];
    const five = (): Attempt<LockboardMessage> => fixed(buf, 5, LockStatusReply.decode);
    if (buf.length >= 6 && buf[5] !== FN.QUERY) {
      // cannot be a query-all reply
      return buf[2] === 0 ? { type: "invalid" } : five();
    }
    if (buf.length < 7) return fiveOk && !wantSeven ? five() : { type: "need" };
    if (xor8(buf, 0, 6) === buf[6]) return fixed(buf, 7, QueryAllReply.decode);
    return fiveOk ? five() : { type: "checksum", length: 7 };
  }
}

export function createLockboardDecoder(options?: LockboardDecoderOptions): LockboardDecoder {
  return new LockboardDecoder(options);
}
