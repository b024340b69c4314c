/**
 * A framing gate in front of aedes: it reads the MQTT fixed header of every packet on a device
 * connection (packet type in the first byte, then the "remaining length" varint, MQTT 3.1.1 §2.2.3
 * and MQTT 5 §1.5.5: 1-4 bytes, 7 bits each, low group first, top bit = more) and counts the body
 * bytes down, so a packet announcing more than its limit is refused before its body is buffered.
 *
 * Neither aedes 1.x nor mqtt-packet 9 has a maximum packet size: mqtt-packet buffers a packet's
 * whole body (up to 256 MB) before it parses it, so one unauthenticated connection could make the
 * gateway hold ~256 MB. The gate only observes bytes; it never changes what aedes receives.
 */
import type { Socket } from "node:net";

/** CONNECT body limit, bytes: client id, will topic and message, username and password. */
export const CONNECT_MAX_BYTES = 16 * 1024;
/** Topic, packet id, properties and header room allowed on top of `deviceBroker.maxPayload`. */
export const PACKET_OVERHEAD_BYTES = 16 * 1024;

export interface GateRefusal {
  /** MQTT control packet type (1 CONNECT, 3 PUBLISH, …) */
  type: number;
  /** the announced remaining length, bytes; undefined when the varint itself is malformed */
  length?: number;
  limit: number;
}

/**
 * Byte-stream state machine over MQTT fixed headers. Feed it every chunk in order; it answers the
 * first refusal and stays refused.
 */
export class FrameGate {
  private state: "type" | "length" | "body" = "type";
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private refused: GateRefusal | undefined;

  /** @param maxPacket limit for every packet but CONNECT (remaining length, bytes) */
  constructor(
    private readonly maxPacket: number,
    private readonly maxConnect = CONNECT_MAX_BYTES,
  ) {}

  private limitFor(type: number): number {
    return type === 1 ? this.maxConnect : this.maxPacket;
  }

  /** Observe the next chunk; returns a refusal when a header announces too much (or is malformed). */
  feed(chunk: Uint8Array): GateRefusal | undefined {
    if (this.refused) return this.refused;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === "body") {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = "type";
        continue;
      }
      const b = chunk[i++]!;
      if (this.state === "type") {
        this.type = b >> 4;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        this.state = "length";
        continue;
      }
      // remaining-length varint
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      const limit = this.limitFor(this.type);
      if (this.length > limit) {
        this.refused = { type: this.type, length: this.length, limit };
        return this.refused;
      }
      if (b & 0x80) {
        if (this.lengthBytes === 4) {
          this.refused = { type: this.type, limit };
          return this.refused;
        }
        continue;
      }
      this.remaining = this.length;
      this.state = this.remaining === 0 ? "type" : "body";
    }
    return undefined;
  }
}

/**
 * Watch a socket already handed to aedes (`aedes.handle(socket)`) and destroy it on the first
 * oversize or malformed packet header, before that packet's body is buffered.
 *
 * aedes 1.x reads in paused mode ('readable' and `conn.read(null)`, lib/client.js). Node emits
 * 'data' with exactly the chunk each `read()` returns, and a 'data' listener added after a
 * 'readable' one does not switch the stream to flowing (Node docs, stream "Choose one API style"):
 * so the gate sees every byte aedes parses, in order and before aedes parses it, and changes none.
 * Call it after `aedes.handle(socket)`. `onRefused` runs once, just before the socket is destroyed.
 */
export function gateSocket(socket: Socket, maxPacket: number, onRefused: (r: GateRefusal) => void): void {
  const gate = new FrameGate(maxPacket);
  let refused = false;
  socket.on("data", (chunk: Buffer) => {
    if (refused) return;
    const r = gate.feed(chunk);
    if (!r) return;
    refused = true;
    onRefused(r);
    socket.destroy();
  });
}
