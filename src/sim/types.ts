/**
 * Shapes shared by the firmware simulators. A simulator is a byte machine: bytes from the master go
 * in (`receive`), reply bytes come out on every attached endpoint (and as "tx" events). It never
 * opens a port itself; `attach` takes anything with `write` and `on("data")`: a SerialTransport, a
 * serialport SerialPort (see pty-runner.ts), one end of an in-process pair, or a test double.
 */
import type { DecodeResult } from "../protocols/types.js";

/** The byte link a simulator is attached to. `write` may return void, a promise or a boolean. */
export interface ByteEndpoint {
  write(data: Buffer): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  off?(event: "data", listener: (chunk: Buffer) => void): unknown;
}

export interface SimTimingOptions {
  /** Trickle replies out at this baud rate (10 bits per byte, 8N1: 9600 → ~1.04 ms per byte). */
  paceBaud?: number;
  /** Delay between the end of a request and the start of its reply, in ms (default 0). */
  turnaroundMs?: number;
}

/** A reply the byte machine wants to send, with any extra delay before it starts. */
export interface Outgoing {
  data: Buffer;
  delayMs?: number;
}

export type DoorCause = "command" | "forced" | "test" | "delayed";

export interface DoorEvent {
  board: number;
  lock: number;
  cause: DoorCause;
}

export interface SimEventMap {
  /** Bytes put on the line (with pacing: in slices, as they "finish"). */
  tx: [data: Buffer];
  /** Every frame (or error) decoded from the master's bytes. */
  rx: [result: DecodeResult<unknown>];
  doorOpened: [event: DoorEvent];
  doorClosed: [event: DoorEvent];
  /** An attached endpoint's write failed (e.g. the port was closed under us). */
  writeError: [error: Error];
}

export interface Simulator {
  readonly protocol: string;
  /** Pure part: feed bytes from the master, get the replies (no timing, nothing sent). */
  handle(chunk: Buffer): Outgoing[];
  /** Feed bytes from the master and send the replies on the line (timing applied). */
  receive(chunk: Buffer): void;
  /** Listen to an endpoint's data and write replies to it; returns a function that detaches. */
  attach(endpoint: ByteEndpoint): () => void;
  /** Put bytes on the line as they are (noise, a babbling device). */
  injectGarbage(bytes: Buffer | readonly number[]): void;
  /** Resolves when everything queued has been sent. */
  idle(): Promise<void>;
  /** Cancel pending output and timers, detach every endpoint. */
  stop(): void;
  on<K extends keyof SimEventMap>(event: K, listener: (...args: SimEventMap[K]) => void): unknown;
  off<K extends keyof SimEventMap>(event: K, listener: (...args: SimEventMap[K]) => void): unknown;
}
