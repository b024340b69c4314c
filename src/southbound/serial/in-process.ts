/**
 * An in-process "null-modem cable": two linked SerialTransport ends. Bytes written on one end arrive
 * as "data" on the other, always asynchronously and in order. This is how the demo runs simulated
 * devices with no hardware and no socat.
 *
 * With `paceBaud`, each direction behaves like a UART line at that rate (10 bits per byte, 8N1):
 * bytes leave one after another, arrive in small slices as they "finish", a write resolves once its
 * last byte has left (like a drain), and writes queue behind one another on the line.
 *
 * An end starts open (a cable is plugged in). `unplug()` makes one end vanish like a USB adapter
 * pulled out: it emits "close" with an EIO error and refuses to open (ENOENT) until `replug()`.
 */
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { QhError } from "../../core/errors.js";
import { runAfter } from "./precise-timer.js";
import type { SerialTransport } from "./transport.js";

export interface InProcessPairOptions {
  /** Pace both directions at this baud rate (10 bits per byte). Omit for "as fast as the loop". */
  paceBaud?: number;
  /** Names of the two ends (the `path` of each); defaults to "inproc:a" and "inproc:b". */
  paths?: readonly [string, string];
}

interface Pending {
  buf: Buffer;
  /** Bytes of `buf` already delivered to the peer. */
  sent: number;
  /** performance.now() at which the first byte starts on the line (paced mode). */
  startAt: number;
  done: () => void;
}

function sysError(code: string, message: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${message}`);
  err.code = code;
  return err;
}

/** Frames up to this many bytes are delivered in one piece when complete (paced mode). */
const SHORT_FRAME = 32;

/** One end of an in-process pair. */
export class InProcessTransport extends EventEmitter implements SerialTransport {
  readonly path: string;
  private peer: InProcessTransport = this;
  private open_ = true;
  private present = true;
  private readonly byteMs: number;
  /** Outgoing bytes not yet delivered to the peer, in write order. */
  private readonly outbox: Pending[] = [];
  /** cancels the wake-up scheduled (setImmediate, setTimeout or runAt) */
  private timer: (() => void) | undefined;
  /** performance.now() at which the line (this direction) is free again (paced mode). */
  private lineFreeAt = 0;

  private constructor(path: string, paceBaud: number | undefined) {
    super();
    this.path = path;
    this.byteMs = paceBaud && paceBaud > 0 ? 10_000 / paceBaud : 0;
  }

  /** Use createInProcessPair(). */
  static pair(pathA: string, pathB: string, paceBaud?: number): [InProcessTransport, InProcessTransport] {
    const a = new InProcessTransport(pathA, paceBaud);
    const b = new InProcessTransport(pathB, paceBaud);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get isOpen(): boolean {
    return this.open_;
  }

  async open(): Promise<void> {
    if (!this.present) throw sysError("ENOENT", `no such file or directory, cannot open ${this.path}`);
    this.open_ = true;
  }

  write(data: Buffer): Promise<void> {
    if (!this.open_) {
      return Promise.reject(
        new QhError("QH_SERIAL_CLOSED", `${this.path} is not open`, { path: this.path, errno: "EBADF" }),
      );
    }
    if (data.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const now = performance.now();
      const startAt = Math.max(now, this.lineFreeAt);
      this.lineFreeAt = startAt + data.length * this.byteMs;
      // Copy: the caller may reuse its buffer once the write resolves (or before, in fast mode).
      this.outbox.push({ buf: Buffer.from(data), sent: 0, startAt, done: resolve });
      this.schedule(0);
    });
  }

  async close(): Promise<void> {
    if (!this.open_) return;
    this.shutdown(undefined);
  }

  /** Test and demo hook: the adapter is pulled out. Emits "close" with an EIO error. */
  unplug(): void {
    this.present = false;
    if (this.open_) this.shutdown(sysError("EIO", `i/o error, read ${this.path}`));
  }

  /** Test and demo hook: the adapter is back; `open()` succeeds again. */
  replug(): void {
    this.present = true;
  }

  private shutdown(err: Error | undefined): void {
    this.open_ = false;
    this.clearTimer();
    // Bytes still "in the cable" are lost; their writers are released like a flushed port.
    for (const p of this.outbox.splice(0)) p.done();
    this.lineFreeAt = 0;
    this.emit("close", err);
  }

  private clearTimer(): void {
    this.timer?.();
    this.timer = undefined;
  }

  /**
   * Wakes flush: at once (next turn) when due, at `delayMs` on a timer, or, with `exact`, at
   * `delayMs` to the fraction of a ms (runAt: a short frame is delivered when its last byte is
   * complete, not up to a timer's ms later, so the paced line keeps to its baud rate).
   */
  private schedule(delayMs: number, exact = false): void {
    if (this.timer !== undefined) return;
    if (this.byteMs === 0 || delayMs <= 0) {
      const t = setImmediate(this.flush);
      this.timer = () => clearImmediate(t);
    } else if (exact) {
      this.timer = runAfter(delayMs, this.flush);
    } else {
      const t = setTimeout(this.flush, delayMs);
      this.timer = () => clearTimeout(t);
    }
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    if (this.byteMs === 0) {
      // Fast mode: everything written so far arrives, one "data" per write, in order.
      for (const p of this.outbox.splice(0)) {
        this.deliver(p.buf);
        p.done();
      }
      return;
    }
    const now = performance.now();
    while (this.outbox.length > 0) {
      const p = this.outbox[0]!;
      if (p.buf.length <= SHORT_FRAME && p.sent === 0) {
        // A short frame arrives whole when its last byte is complete (one wake-up, not several).
        const doneAt = p.startAt + p.buf.length * this.byteMs;
        if (now < doneAt) {
          this.schedule(doneAt - now, true);
          return;
        }
        this.deliver(p.buf);
        this.outbox.shift();
        p.done();
        continue;
      }
      const due = Math.min(p.buf.length, Math.floor((now - p.startAt) / this.byteMs));
      if (due > p.sent) {
        this.deliver(p.sent === 0 && due === p.buf.length ? p.buf : p.buf.subarray(p.sent, due));
        p.sent = due;
      }
      if (p.sent < p.buf.length) {
        // Wake up when at least one more byte is complete, but not more often than every 2 ms:
        // real UART drivers hand bytes over in small bursts, not one by one.
        const nextByteAt = p.startAt + (p.sent + 1) * this.byteMs;
        this.schedule(Math.max(2, nextByteAt - now));
        return;
      }
      this.outbox.shift();
      p.done();
    }
  };

  private deliver(chunk: Buffer): void {
    // A peer that is closed (or unplugged) hears nothing, like a cable with no one listening.
    if (this.peer.open_) this.peer.emit("data", chunk);
  }
}

/** Two linked ends: bytes written on one arrive as "data" on the other. */
export function createInProcessPair(
  opts: InProcessPairOptions = {},
): [InProcessTransport, InProcessTransport] {
  const [pa, pb] = opts.paths ?? ["inproc:a", "inproc:b"];
  return InProcessTransport.pair(pa, pb, opts.paceBaud);
}
