/**
 * The QoS 1 PUBACKs of one device connection, written by the gateway itself, in the order the
 * PUBLISHes arrived (MQTT 3.1.1 §4.6: "It MUST send PUBACK packets in the order in which the
 * corresponding PUBLISH packets were received"), each once its event is durable (issue 13).
 *
 * Why not aedes's own PUBACK: aedes 1.x handles the packets of one socket read concurrently and
 * reads the socket again only once every one of them has finished, and for QoS 1 it writes the
 * PUBACK when `authorizePublish` calls back. Holding that callback until the event's fdatasync
 * (as the broker did) therefore also stopped the connection's reading: a device's window of 100
 * events in flight arrived as a few reads (its answers to a batch of PUBACKs trickle in), and each
 * read waited for a whole fdatasync before the next was even parsed. Measured in-process with a
 * 30 ms fdatasync and 4 devices × 100 in flight: 38 publishes per read on average, a round trip of
 * about four fdatasyncs. Now the broker lets aedes read on at once (the publish is handed to it as
 * QoS 0, so aedes writes no PUBACK) and the PUBACK is written here when the event is durable.
 *
 * Flow control stays bounded: while a connection has more than `maxCount` PUBACKs owed or more than
 * `maxBytes` of their payloads, or while its socket has not drained what was written to it (a device
 * that does not read its PUBACKs: `write` returned false), aedes's callback waits (aedes stops
 * reading that socket, as aedes itself did while its own PUBACK waited for 'drain') until
 * acknowledgements bring it back under and the socket drains. A failure (the event refused or its fdatasync failed)
 * writes nothing more on the connection: the caller closes it (MQTT-3.3.5-2: no negative PUBACK).
 *
 * PUBACK wire format (MQTT 3.1.1 §3.4; aedes accepts protocol levels 3 and 4 only): 0x40, remaining
 * length 2, the packet identifier (big-endian). Acknowledgements that become ready in one turn of
 * the loop go out in one socket write.
 */

/** Owed PUBACKs past which aedes stops reading the connection (a device's QoS 1 window is smaller). */
export const MAX_OWED = 1000;
/** Payload bytes of owed PUBACKs past which aedes stops reading the connection. */
export const MAX_OWED_BYTES = 4 * 1024 * 1024;

interface Owed {
  messageId: number;
  bytes: number;
  ready: boolean;
}

/** One place in the connection's line of PUBACKs (see `PubackQueue.reserve`). */
export type PubackSlot = Owed;

export class PubackQueue {
  private readonly owed: Owed[] = [];
  private head = 0;
  private owedBytes = 0;
  /** aedes callbacks held while over the limits (reading resumes when they are called) */
  private held: Array<() => void> = [];
  private flushScheduled = false;
  private dead = false;
  /** the socket did not take the last write (its buffer is over its high-water mark): until drained */
  private blocked = false;
  /** PUBACKs written so far */
  written = 0;

  /**
   * @param write writes bytes to the device's socket (skipped by the caller once it is closed);
   *   false: the socket's buffer is full, and the caller calls `drained()` once it drained
   * @param maxCount owed PUBACKs past which reading waits
   * @param maxBytes owed payload bytes past which reading waits
   */
  constructor(
    private readonly write: (bytes: Buffer) => boolean,
    private readonly maxCount = MAX_OWED,
    private readonly maxBytes = MAX_OWED_BYTES,
  ) {}

  /** A QoS 1 PUBLISH arrived: its place in line (call in arrival order). */
  reserve(messageId: number, bytes: number): PubackSlot {
    const slot = { messageId, bytes, ready: false };
    this.owed.push(slot);
    this.owedBytes += bytes;
    return slot;
  }

  /** PUBACKs owed and not yet written. */
  get size(): number {
    return this.owed.length - this.head;
  }

  private get over(): boolean {
    return this.blocked || this.size > this.maxCount || this.owedBytes > this.maxBytes;
  }

  /** The socket drained what was written to it: reading may go on (within the limits). */
  drained(): void {
    this.blocked = false;
    this.readOnHeld();
  }

  private readOnHeld(): void {
    if (this.held.length > 0 && !this.over && !this.dead) {
      const held = this.held;
      this.held = [];
      for (const readOn of held) readOn();
    }
  }

  /**
   * Let the connection read on: `readOn` (aedes's callback) runs now while under the limits, else
   * once written PUBACKs bring the connection back under them; never after `fail`.
   */
  admit(readOn: () => void): void {
    if (this.dead) return;
    if (this.over) this.held.push(readOn);
    else readOn();
  }

  /** The slot's event is durable (or needs no durability): its PUBACK goes out after earlier ones. */
  ready(slot: PubackSlot): void {
    if (this.dead) return;
    slot.ready = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  /**
   * Nothing more is written on this connection (its caller closes it): the PUBACKs already due
   * (durable, in line) go out now, none after; held callbacks are dropped.
   */
  fail(): void {
    if (this.dead) return;
    this.flush();
    this.dead = true;
    this.held = [];
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.dead) return;
    let end = this.head;
    while (end < this.owed.length && this.owed[end]!.ready) end++;
    const n = end - this.head;
    if (n === 0) return;
    const buf = Buffer.allocUnsafe(4 * n);
    for (let i = 0; i < n; i++) {
      const s = this.owed[this.head + i]!;
      buf[4 * i] = 0x40;
      buf[4 * i + 1] = 0x02;
      buf.writeUInt16BE(s.messageId, 4 * i + 2);
      this.owedBytes -= s.bytes;
    }
    this.head = end;
    if (this.head > 1024 && this.head * 2 > this.owed.length) {
      this.owed.splice(0, this.head);
      this.head = 0;
    }
    this.written += n;
    if (!this.write(buf)) this.blocked = true;
    this.readOnHeld();
  }
}

/** What `ownPuback` needs of an aedes client and of its PUBLISH packet. */
export interface PubackClient {
  conn: unknown;
  close(): void;
  qhPubacks?: PubackQueue;
}

/**
 * Run `handle` for a device's QoS 1 PUBLISH with its PUBACK taken over from aedes: the packet goes
 * on to aedes as QoS 0 (aedes writes no PUBACK), the connection's queue reserves the PUBACK's place
 * now (arrival order) and writes it once `handle` calls `done(null)` (for an event: once durable).
 * `readOn()` (called by `handle` once the event is handed on; at the latest by `done`) lets aedes
 * read the socket again, within the queue's limits. `done(err)`: no PUBACK, the connection closed
 * (by aedes when it has not read on yet, else here).
 */
export function ownPuback(
  client: PubackClient,
  packet: { qos: number; messageId?: number; payload: Buffer | string },
  cb: (err: Error | null) => void,
  handle: (done: (err: Error | null) => void, readOn: () => void) => void,
): void {
  const conn = client.conn as {
    write(b: Buffer): boolean;
    destroyed?: boolean;
    once?(event: "drain", fn: () => void): unknown;
  };
  if (!client.qhPubacks) {
    let waiting = false;
    const q = new PubackQueue((b) => {
      if (conn.destroyed) return true;
      if (conn.write(b) !== false || typeof conn.once !== "function") return true;
      if (!waiting) {
        waiting = true;
        conn.once("drain", () => {
          waiting = false;
          q.drained();
        });
      }
      return false;
    });
    client.qhPubacks = q;
  }
  const q = client.qhPubacks;
  const slot = q.reserve(packet.messageId ?? 0, packet.payload.length);
  packet.qos = 0; // aedes writes no PUBACK for it: the queue does
  let reading = false;
  const readOn = () => {
    if (reading) return;
    reading = true;
    q.admit(() => cb(null));
  };
  handle((err) => {
    if (!err) {
      q.ready(slot);
      readOn();
      return;
    }
    q.fail();
    if (reading) client.close();
    else {
      reading = true;
      cb(err); // aedes closes the connection
    }
  }, readOn);
}
