/**
 * The line side shared by every simulator: a FIFO of outgoing frames, optional pacing at a baud
 * rate, a turnaround delay, endpoint attach/detach and the "tx" event. Subclasses implement the
 * byte machine (`handle`).
 */
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import type { ByteEndpoint, Outgoing, SimEventMap, SimTimingOptions, Simulator } from "./types.js";

interface Pending {
  data: Buffer;
  sent: number;
  /** performance.now() at which the first byte starts on the line. */
  startAt: number;
}

/** Wire time of one byte at a baud rate, 8N1 (10 bits). */
export function byteTimeMs(baud: number): number {
  return 10_000 / baud;
}

export abstract class SimBase extends EventEmitter<SimEventMap> implements Simulator {
  abstract readonly protocol: string;
  private readonly byteMs: number;
  private readonly turnaroundMs: number;
  private readonly queue: Pending[] = [];
  private readonly endpoints = new Map<ByteEndpoint, () => void>();
  private readonly idleWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lineFreeAt = 0;
  private stopped = false;

  constructor(timing: SimTimingOptions = {}) {
    super();
    this.byteMs = timing.paceBaud && timing.paceBaud > 0 ? byteTimeMs(timing.paceBaud) : 0;
    this.turnaroundMs = Math.max(0, timing.turnaroundMs ?? 0);
  }

  abstract handle(chunk: Buffer): Outgoing[];

  receive(chunk: Buffer): void {
    for (const out of this.handle(chunk)) this.transmit(out.data, out.delayMs);
  }

  attach(endpoint: ByteEndpoint): () => void {
    const existing = this.endpoints.get(endpoint);
    if (existing) return existing;
    const onData = (chunk: Buffer): void => this.receive(chunk);
    endpoint.on("data", onData);
    const detach = (): void => {
      if (!this.endpoints.delete(endpoint)) return;
      if (endpoint.off) endpoint.off("data", onData);
      else (endpoint as unknown as EventEmitter).removeListener?.("data", onData);
    };
    this.endpoints.set(endpoint, detach);
    return detach;
  }

  injectGarbage(bytes: Buffer | readonly number[]): void {
    this.transmit(Buffer.isBuffer(bytes) ? bytes : Buffer.from([...bytes]));
  }

  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    this.queue.length = 0;
    for (const detach of [...this.endpoints.values()]) detach();
    this.wakeIdle();
  }

  /** Queue bytes for the line, after the turnaround and `delayMs`, behind anything already queued. */
  protected transmit(data: Buffer, delayMs = 0): void {
    if (data.length === 0 || this.stopped) return;
    const now = performance.now();
    const startAt = Math.max(now + this.turnaroundMs + delayMs, this.lineFreeAt);
    this.lineFreeAt = startAt + data.length * this.byteMs;
    this.queue.push({ data: Buffer.from(data), sent: 0, startAt });
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    // due now: the next loop turn (a setTimeout(0) is 1 ms in Node, added to every reply)
    this.timer = ms <= 0 ? setImmediate(() => this.pump()) : setTimeout(() => this.pump(), ms);
  }

  private pump(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0) {
      const p = this.queue[0]!;
      if (now < p.startAt) {
        this.schedule(p.startAt - now);
        return;
      }
      const due =
        this.byteMs > 0
          ? Math.min(p.data.length, Math.floor((now - p.startAt) / this.byteMs + 1e-6))
          : p.data.length;
      if (due > p.sent) {
        this.deliver(p.data.subarray(p.sent, due));
        p.sent = due;
      }
      if (p.sent < p.data.length) {
        this.schedule(p.startAt + (p.sent + 1) * this.byteMs - now);
        return;
      }
      this.queue.shift();
    }
    this.wakeIdle();
  }

  private deliver(slice: Buffer): void {
    const data = Buffer.from(slice);
    this.emit("tx", data);
    for (const endpoint of this.endpoints.keys()) {
      try {
        const r = endpoint.write(data);
        if (r instanceof Promise) r.catch((err: unknown) => this.emit("writeError", toError(err)));
      } catch (err) {
        this.emit("writeError", toError(err));
      }
    }
  }

  private wakeIdle(): void {
    if (this.queue.length > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
