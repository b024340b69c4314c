/**
 * Server-Sent Events on a fastify reply, for the job events and the live view. A slow client never
 * holds the gateway up: what waits in the socket's buffer is bounded (`maxBufferedBytes`); past it
 * items are dropped (counted, `onDrop`), and once the buffer has drained the client gets one
 * `gap` event saying how many it missed. A comment line every `heartbeatMs` keeps proxies and the
 * browser's EventSource from timing the stream out.
 *
 *   event: <name>\n data: <JSON>\n\n        (one item)
 *   : heartbeat\n\n                        (every heartbeatMs)
 *   event: gap\n data: {"dropped":N}\n\n    (after a drop, once the client keeps up again)
 */
import type { FastifyReply, FastifyRequest } from "fastify";

export interface SseOptions {
  /** comment line period, ms (default 15,000) */
  heartbeatMs?: number;
  /** bytes allowed to wait in the socket's buffer before items are dropped (default 256 KiB) */
  maxBufferedBytes?: number;
  /** called once per dropped item */
  onDrop?: () => void;
}

export interface SseStream {
  /** Sends one item; false when it was dropped (the client is too slow) or the stream is closed. */
  send(event: string, data: unknown): boolean;
  /** Ends the stream (the client's EventSource would reconnect: job streams end after `done`). */
  end(): void;
  readonly closed: boolean;
  /** called once when the client goes away or end() is called */
  onClose(fn: () => void): void;
}

/** Takes over the reply (fastify no longer answers it) and opens an event stream. */
export function openSse(req: FastifyRequest, reply: FastifyReply, o: SseOptions = {}): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(": stream open\n\n");
  const max = o.maxBufferedBytes ?? 256 * 1024;
  let dropped = 0;
  let closed = false;
  const closers: (() => void)[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    for (const fn of closers.splice(0)) fn();
  };
  const beat = setInterval(() => {
    if (!closed && res.writableLength <= max) res.write(": heartbeat\n\n");
  }, o.heartbeatMs ?? 15_000);
  beat.unref();
  req.raw.on("close", close);
  res.on("close", close);
  res.on("error", close);
  return {
    get closed() {
      return closed;
    },
    send(event, data) {
      if (closed) return false;
      if (res.writableLength > max) {
        dropped++;
        o.onDrop?.();
        return false;
      }
      if (dropped > 0) {
        res.write(`event: gap\ndata: ${JSON.stringify({ dropped })}\n\n`);
        dropped = 0;
      }
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      return true;
    },
    end() {
      if (closed) return;
      res.end();
      close();
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
  };
}
