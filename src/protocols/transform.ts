/**
 * A serialport-style parser: pipe raw bytes in (`port.pipe(new DecoderTransform(decoder))`), read
 * DecodeResult objects out (object mode). It wraps any FrameDecoder; a bad frame is an object on
 * the stream like a good one, never a stream error.
 */
import { Transform, type TransformCallback } from "node:stream";
import type { DecodeResult, FrameDecoder } from "./types.js";

export class DecoderTransform<M> extends Transform {
  readonly decoder: FrameDecoder<M>;

  constructor(decoder: FrameDecoder<M>) {
    super({ readableObjectMode: true, writableObjectMode: false });
    this.decoder = decoder;
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
    for (const result of this.decoder.push(buf)) this.push(result satisfies DecodeResult<M>);
    callback();
  }

  /** Drop a partial frame held by the decoder (e.g. after a reconnect). */
  reset(): void {
    this.decoder.reset();
  }
}

export function createDecoderTransform<M>(decoder: FrameDecoder<M>): DecoderTransform<M> {
  return new DecoderTransform(decoder);
}
