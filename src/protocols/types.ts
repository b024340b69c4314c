/**
 * Shared shapes of every wire-protocol codec under src/protocols/. Codecs are pure functions over
 * bytes: no I/O, no timers, no logging. A link (serial port, PTY, in-process pair) feeds chunks to a
 * FrameDecoder and gets decoded messages or classified errors back.
 */

/** Why a run of bytes did not decode into a message. */
export type DecodeErrorReason =
  /** A frame with a plausible header and length whose checksum is wrong. */
  | "checksum"
  /** Bytes that do not start a plausible frame (noise, a lost header, a truncated frame). */
  | "garbage"
  /** A frame or line longer than the protocol (or its configuration) allows. */
  | "length"
  /** A well-formed frame (checksum right) whose function/command is not one we know. */
  | "unknown";

export type DecodeResult<M> =
  | { ok: true; msg: M; raw: Buffer }
  | { ok: false; reason: DecodeErrorReason; raw: Buffer };

/**
 * A streaming decoder: push chunks as they arrive, get back every frame they complete, in order.
 * It keeps a partial frame across chunks, resynchronises after garbage or a bad checksum without
 * losing a good frame that follows, and bounds its buffer.
 */
export interface FrameDecoder<M> {
  push(chunk: Buffer): DecodeResult<M>[];
  /** Drop any partial frame (e.g. after a reply timeout or a reconnect). */
  reset(): void;
  /**
   * Tell the decoder which request the master has just sent (or `undefined` when none is pending).
   * Only protocols whose reply length depends on the request use it (lockboard-xor, header 0x80);
   * a bus master should call it, when present, right before writing each request.
   */
  expect?(request: M | undefined): void;
}

/** One message kind of one protocol: zwave-js style, one small codec per kind. */
export interface MessageCodec<M extends { kind: string }> {
  readonly kind: M["kind"];
  /** The complete frame for this message, checksum included. Throws QhError on out-of-range fields. */
  encode(msg: M): Buffer;
  /**
   * Decode one complete, already delimited frame. Returns undefined when the bytes are not a valid
   * frame of this kind (wrong header, function, length or checksum).
   */
  decode(frame: Buffer): M | undefined;
  /** One line for logs, e.g. "QueryAll board=1". */
  describe(msg: M): string;
}

/** What the registry (src/protocols/index.ts) knows about a protocol. */
export interface ProtocolDefinition<M extends { kind: string } = { kind: string }, O = unknown> {
  readonly name: string;
  readonly defaultBaudRate: number;
  createDecoder(options?: O): FrameDecoder<M>;
  describe(msg: M): string;
}
