import { describe, expect, it } from "vitest";
import { metric, queryAll, req, until, useStartedLine } from "./support/lockboard-line.js";

/** Noise a line picks up: random bytes, a frame with a bad checksum, a truncated frame. */
const NOISE = [
  Buffer.from([0x13, 0x37, 0xff, 0x00]),
  Buffer.from([0x8a, 0x01, 0x01, 0x11, 0x00]),
  Buffer.from([0x80, 0x01]),
  Buffer.from([0xff, 0xff, 0x82, 0x02]),
];

describe("bus master: the line resyncs after garbage", () => {
  const line = useStartedLine({ boards: [1, 2] });

  it("answers every request when noise comes before the replies, and counts the rejects", async () => {
    let n = 0;
    // Noise goes on the line between a request and its reply.
    line.devices.sim.on("rx", () => line.devices.sim.injectGarbage(NOISE[n++ % NOISE.length]!));
    for (let i = 0; i < 20; i++) {
      const board = 1 + (i % 2);
      const reply = await line.bus.request(req(queryAll(board), "command", { retries: 3 }));
      expect(reply).toEqual({ kind: "queryAllReply", board, closedMask: 0xffffff });
    }
    const rejected =
      (await metric(line.registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "garbage" })) +
      (await metric(line.registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "checksum" }));
    expect(rejected).toBeGreaterThan(0);
    expect(await metric(line.registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(0);
  });

  it("keeps polling clean frames once the noise stops", async () => {
    line.devices.sim.injectGarbage(Buffer.from([0x80, 0x01, 0x00, 0x80])); // a half frame left hanging
    const polled = new Map<number, number>();
    for (const board of [1, 2]) {
      line.bus.addPoller({
        target: String(board),
        run: async () => {
          await line.bus.request(req(queryAll(board), "poll", { retries: 3 }));
          polled.set(board, (polled.get(board) ?? 0) + 1);
        },
      });
    }
    await until(() => (polled.get(1) ?? 0) >= 10 && (polled.get(2) ?? 0) >= 10, "10 polls each");
    expect(line.bus.targets().every((t) => t.reachable)).toBe(true);
  });
});
