/**
 * Issue 13: while an event's fdatasync runs, the device's connection is still read. aedes reads a
 * socket again only once every packet of the previous read has been answered; when the broker held
 * that answer until the fdatasync, a device's next PUBLISHes (its QoS 1 window) sat unread in the
 * socket for a whole card latency per read. Now they are read and committed at once, each with its
 * own fdatasync, and the PUBACKs still come only after the sync that covers each, in the order the
 * PUBLISHes arrived (MQTT 3.1.1 §4.6).
 *
 * A raw TCP client writes the MQTT packets, so the test decides what arrives in one read: two
 * PUBLISHes in one write, then a third in a write of its own while their fdatasync is held. The
 * fdatasync is the gateway's own seam (tests/helpers/held-sync.ts).
 */
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { HeldSync } from "../../helpers/held-sync.js";
import { startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

/** MQTT remaining length (MQTT 3.1.1 §2.2.3): 7 bits a byte, low group first, top bit = more. */
function remaining(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string) => {
  const b = Buffer.from(s, "utf8");
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

const packet = (first: number, body: Buffer) =>
  Buffer.concat([Buffer.from([first]), remaining(body.length), body]);

/** CONNECT, MQTT 3.1.1 (§3.1): clean session, user name and password, keep-alive 60 s. */
const connectPacket = (id: string, password: string) =>
  packet(0x10, Buffer.concat([str("MQTT"), Buffer.from([4, 0xc2, 0, 60]), str(id), str(id), str(password)]));

/** PUBLISH at QoS 1 (§3.3): topic, packet identifier, payload. */
function publishPacket(topic: string, id: number, payload: string): Buffer {
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE(id);
  return packet(0x32, Buffer.concat([str(topic), pid, Buffer.from(payload)]));
}

/** The packets the broker sent, as [type, packet id] (type 2 CONNACK, 4 PUBACK). */
function received(sock: Socket): Array<[number, number]> {
  const got: Array<[number, number]> = [];
  let buf = Buffer.alloc(0);
  sock.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf[1]!) {
      got.push([buf[0]! >> 4, buf[1]! >= 2 ? buf.readUInt16BE(2) : 0]);
      buf = buf.subarray(2 + buf[1]!);
    }
  });
  return got;
}

describe("a device's connection is read while its events' fdatasync runs", () => {
  let up: Upstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  let sock: Socket | undefined;
  let sync: HeldSync | undefined;
  beforeAll(async () => {
    up = await startAedes();
  });
  afterEach(async () => {
    if (sync) {
      sync.holding = false;
      sync.release();
    }
    sock?.destroy();
    await gw?.cleanup();
    gw = undefined;
  });
  afterAll(async () => up.stop());

  it("a PUBLISH in a later read is committed while the earlier read's fdatasync is held; PUBACKs in arrival order after their syncs", async () => {
    const held = new HeldSync();
    sync = held;
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("r1") }), { walSync: held.fn });
    await gw.credentials.add("r1", "generic-mqtt", "raw-socket-pass");
    const committed = () =>
      gw!.db
        .prepare("SELECT count(*) FROM events_view WHERE device = 'r1' AND type LIKE 'w.%'")
        .pluck()
        .get() as number;
    held.tagger = committed;
    const s = connect(gw.deviceBrokerPort, "127.0.0.1");
    sock = s;
    const got = received(s);
    s.write(connectPacket("r1", "raw-socket-pass"));
    await waitUntil(() => got.some(([t]) => t === 2), 5000, "CONNACK");

    held.holding = true;
    const seq0 = gw.ingest.lastSeq; // no sync completes while held: nothing new is durable
    // one write: both PUBLISHes reach the broker in one read
    s.write(
      Buffer.concat([
        publishPacket("dev/r1/evt/w.one", 11, "{}"),
        publishPacket("dev/r1/evt/w.two", 12, "{}"),
      ]),
    );
    await waitUntil(() => held.heldAfter(2), 5000, "the first read committed, its fdatasync held");
    // a later write: a read of its own, while the first read's events wait for their fdatasync
    s.write(publishPacket("dev/r1/evt/w.three", 13, "{}"));
    await waitUntil(() => committed() === 3, 5000, "the third PUBLISH read and committed meanwhile");
    await waitUntil(() => held.heldAfter(3), 5000, "its own fdatasync started");
    expect(got.filter(([t]) => t === 4)).toEqual([]); // nothing acknowledged: no sync completed
    expect(gw.ingest.lastSeq).toBe(seq0);

    // the third event's sync completes first: its PUBACK still waits for the first two
    const third = held.waiting.findIndex((w) => w.tag >= 3);
    held.releaseAt(third);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.filter(([t]) => t === 4)).toEqual([]);
    held.holding = false;
    held.release();
    await waitUntil(() => got.filter(([t]) => t === 4).length === 3, 5000, "three PUBACKs");
    expect(got.filter(([t]) => t === 4).map(([, id]) => id)).toEqual([11, 12, 13]);
    expect(gw.ingest.lastSeq).toBeGreaterThanOrEqual(seq0 + 3);
  });
});
