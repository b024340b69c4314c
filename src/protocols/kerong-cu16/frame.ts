/** Frame helpers: `02 ADDR CMD [data] 03 SUM`, SUM = low byte of the sum of every byte before it. */
import { sum8 } from "../bytes.js";
import { ETX, STX } from "./constants.js";

export function frameOf(addr: number, cmd: number, data: readonly number[] = []): Buffer {
  const buf = Buffer.alloc(data.length + 5);
  buf[0] = STX;
  buf[1] = addr & 0xff;
  buf[2] = cmd;
  for (let i = 0; i < data.length; i++) buf[3 + i] = data[i]! & 0xff;
  buf[buf.length - 2] = ETX;
  buf[buf.length - 1] = sum8(buf, 0, buf.length - 1);
  return buf;
}

/** The data bytes of a frame with this command and data length, or undefined if it is not one. */
export function dataOf(frame: Buffer, cmd: number, dataLength: number): Buffer | undefined {
  const n = dataLength + 5;
  if (frame.length !== n || frame[0] !== STX || frame[2] !== cmd || frame[n - 2] !== ETX) return undefined;
  if (sum8(frame, 0, n - 1) !== frame[n - 1]) return undefined;
  return frame.subarray(3, 3 + dataLength);
}
