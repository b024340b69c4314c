/**
 * Line timing of Modbus RTU (Modbus over Serial Line V1.02, §2.5.1.1): frames are separated by at
 * least 3.5 character times of silence; above 19200 baud the spec fixes that silence at 1.75 ms
 * (and the inter-character limit at 0.75 ms) instead of scaling it. An RTU character is 11 bits
 * (start, 8 data, parity or a second stop bit, stop); a line run 8N1, as many controllers are,
 * sends 10, and the spec's 11 keeps the silence on the safe side either way.
 */

/** Bits per RTU character on the wire (the spec's 11: 8E1, 8O1 or 8N2). */
export const RTU_CHAR_BITS = 11;

/** Time of one character, ms. */
export function charTimeMs(baud: number, bitsPerChar = RTU_CHAR_BITS): number {
  return (bitsPerChar * 1000) / baud;
}

/**
 * The silence required between frames (t3.5), ms: 3.5 characters, or the fixed 1.75 ms above
 * 19200 baud (the spec says "greater than 19200": at exactly 19200, 3.5 characters are 2.005 ms).
 * 9600 baud → 4.01 ms.
 */
export function interFrameSilenceMs(baud: number, bitsPerChar = RTU_CHAR_BITS): number {
  return baud > 19200 ? 1.75 : 3.5 * charTimeMs(baud, bitsPerChar);
}

/** Wire time of `bytes` bytes, ms. */
export function frameTimeMs(bytes: number, baud: number, bitsPerChar = RTU_CHAR_BITS): number {
  return bytes * charTimeMs(baud, bitsPerChar);
}
