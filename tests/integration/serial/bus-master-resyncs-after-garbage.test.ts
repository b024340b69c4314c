import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import {
  type DeviceSide,
  lockboardBus,
  metric,
  portLink,
  queryAll,
  req,
  startDevices,
  until,
} from "./support/lockboard-line.js";
import { openPtyLine, type PtyLine } from "./support/pty-line.js";

/** Noise a line picks up: random bytes, a frame with a bad checksum, a truncated frame. */
const NOISE = [
  Buffer.from([0x13, 0x37, 0xff, 0x00]),
  Buffer.from([0x8a, 0x01, 0x01, 0x11, 0x00]),
  Buffer.from([0x80, 0x01]),
  Buffer.from([0xff, 0xff, 0x82, 0x02]),
];

describe("bus master: the line resyncs after garbage", () => {
  let pty: PtyLine;
  let devices: DeviceSide;
  let bus: BusMaster<LockboardMessage>;
  let registry: Registry;

  beforeEach(async () => {
    pty = await openPtyLine();
    registry = new Registry();
    devices = await startDevices(pty.b, { boards: [1, 2] });
    bus = lockboardBus({ link: portLink("rs485-1", pty.a), registry });
    bus.start();
    await until(() => bus.connected, "bus connected");
  });

  afterEach(async () => {
    await bus?.stop();
    await devices?.stop();
    await pty?.close();
  });

  it("answers every request when noise comes before the replies, and counts the rejects", async () => {
    let n = 0;
    // Noise goes on the line between a request and its reply.
    devices.sim.on("rx", () => devices.sim.injectGarbage(NOISE[n++ % NOISE.length]!));
    for (let i = 0; i < 20; i++) {
      const board = 1 + (i % 2);
      const reply = await bus.request(req(queryAll(board), "command", { retries: 3 }));
      expect(reply).toEqual({ kind: "queryAllReply", board, closedMask: 0xffffff });
    }
    const rejected =
      (await metric(registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "garbage" })) +
      (await metric(registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "checksum" }));
    expect(rejected).toBeGreaterThan(0);
    expect(await metric(registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(0);
  });

  it("keeps polling clean frames once the noise stops", async () => {
    devices.sim.injectGarbage(Buffer.from([0x80, 0x01, 0x00, 0x80])); // a half frame left hanging
    const polled = new Map<number, number>();
    for (const board of [1, 2]) {
      bus.addPoller({
        target: String(board),
        run: async () => {
          await bus.request(req(queryAll(board), "poll", { retries: 3 }));
          polled.set(board, (polled.get(board) ?? 0) + 1);
        },
      });
    }
    await until(() => (polled.get(1) ?? 0) >= 10 && (polled.get(2) ?? 0) >= 10, "10 polls each");
    expect(bus.targets().every((t) => t.reachable)).toBe(true);
  });
});
