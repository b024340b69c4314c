/** Frame helpers: every lockboard-xor frame ends with the XOR of all bytes before it. */
import { xor8 } from "../bytes.js";

/** bytes + XOR(bytes). */
export function withXor(bytes: readonly number[]): Buffer {
  const buf = Buffer.alloc(bytes.length + 1);
  for (let i = 0; i < bytes.length; i++) buf[i] = bytes[i]! & 0xff;
  buf[bytes.length] = xor8(buf, 0, bytes.length);
  return buf;
}

/** True when frame has exactly `length` bytes, starts with `header` and its last byte is the XOR. */
export function isFrame(frame: Buffer, header: number, length: number): boolean {
  return frame.length === length && frame[0] === header && xor8(frame, 0, length - 1) === frame[length - 1];
}
