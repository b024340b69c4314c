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

describe("bus master: an unreachable board is probed and polled again once it answers", () => {
  let pty: PtyLine;
  let devices: DeviceSide;
  let bus: BusMaster<LockboardMessage>;
  let registry: Registry;

  beforeEach(async () => {
    pty = await openPtyLine();
    registry = new Registry();
    devices = await startDevices(pty.b, { boards: [1, 2] });
  });

  afterEach(async () => {
    await bus?.stop();
    await devices?.stop();
    await pty?.close();
  });

  it("probes with single attempts while it is down, then resumes polling", async () => {
    devices.sim.kill(2);
    bus = lockboardBus({
      link: portLink("rs485-1", pty.a),
      registry,
      backoff: { initialMs: 50, maxMs: 100 },
    });
    const polled = new Map<number, number>();
    for (const board of [1, 2]) {
      bus.addPoller({
        target: String(board),
        run: async () => {
          // A short timeout only where a timeout is expected keeps the test quick and robust.
          await bus.request(
            req(queryAll(board), "poll", { timeoutMs: board === 2 ? 100 : 2000, retries: 2 }),
          );
          polled.set(board, (polled.get(board) ?? 0) + 1);
        },
      });
    }
    const events: Array<{ target: string; reachable: boolean }> = [];
    bus.on("target", (t) => events.push(t));
    bus.start();

    await until(() => events.length === 1, "board 2 unreachable");
    const first = devices.heardFrom(2);
    expect(first).toBe(3);
    // Probes go out one attempt at a time; the board stays unreachable.
    await until(() => devices.heardFrom(2) >= first + 2, "two probes");
    expect(events).toEqual([{ target: "2", reachable: false }]);

    devices.sim.revive(2);
    await until(() => events.length === 2, "board 2 reachable again");
    expect(events[1]).toEqual({ target: "2", reachable: true });
    const base = polled.get(2) ?? 0;
    await until(() => (polled.get(2) ?? 0) >= base + 5, "board 2 polled again");
    expect(await metric(registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(0);
  });
});
