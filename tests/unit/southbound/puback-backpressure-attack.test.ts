/**
 * Attack review of issue 13 (review-attack), FINDING 3: the gateway now writes QoS 1 PUBACKs itself
 * (src/southbound/mqtt/puback-queue.ts) and ignores the socket's backpressure: `ownPuback` wraps
 * `conn.write` and drops its return value, and an owed PUBACK stops counting against the limits as
 * soon as it is handed to `write`, whether the device ever reads it or not. aedes, which wrote the
 * PUBACK before, waited for 'drain' before calling back (and so before reading the next packets).
 * A device that publishes QoS 1 (events, telemetry, or payloads the broker drops without storing)
 * and never reads its socket makes the gateway buffer every PUBACK in memory, without bound.
 * Fixed: the queue holds aedes's read-on while the socket has not drained.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { ownPuback, type PubackClient } from "../../../src/southbound/mqtt/puback-queue.js";

const tick = () => new Promise((r) => process.nextTick(r));

/** The device's socket as the gateway sees it once the device stopped reading: every write queues. */
class StuckSocket extends EventEmitter {
  destroyed = false;
  writableLength = 0;
  write(b: Buffer): boolean {
    this.writableLength += b.length;
    return false; // over the high-water mark: wait for 'drain' (which never comes)
  }
}

describe("attack: PUBACKs to a device that never reads its socket", () => {
  it("FINDING 3: reading of a device waits while its socket does not drain (bounded PUBACK buffer)", async () => {
    const conn = new StuckSocket();
    const client: PubackClient = { conn, close: () => {} };
    let readOns = 0;
    // aedes's loop: a read of 500 QoS 1 PUBLISHes, the next read once every one of them called back
    for (let read = 0; read < 200; read++) {
      const before = readOns;
      for (let i = 0; i < 500; i++) {
        ownPuback(
          client,
          { qos: 1, messageId: (read * 500 + i) % 65535 || 1, payload: Buffer.from("x") },
          () => readOns++,
          // a dropped publish (bad payload): acknowledged at once, nothing stored
          (done) => done(null),
        );
      }
      await tick(); // the PUBACKs of this read are written (into a socket that never drains)
      if (readOns - before < 500) break; // aedes reads no more of this device
    }
    // 100,000 PUBLISHes read and 400 kB of PUBACKs queued in memory for a socket that never drains
    expect(readOns).toBeLessThan(100_000); // actual: 100,000 (reading never paused)
    expect(conn.writableLength).toBeLessThanOrEqual(64 * 1024); // actual: 400,000 bytes
  });

  it("reading goes on once the socket drains", async () => {
    const conn = new StuckSocket();
    const client: PubackClient = { conn, close: () => {} };
    let readOns = 0;
    const publish = (id: number) =>
      ownPuback(
        client,
        { qos: 1, messageId: id, payload: Buffer.from("x") },
        () => readOns++,
        (done) => done(null),
      );
    publish(1);
    await tick(); // its PUBACK goes into a socket that does not take it
    publish(2);
    await tick();
    expect(readOns).toBe(1); // the second publish's read-on waits for 'drain'
    conn.emit("drain");
    expect(readOns).toBe(2);
  });
});
