import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import {
  type DeviceSide,
  lockboardBus,
  metric,
  openLock,
  portLink,
  queryAll,
  req,
  startDevices,
  until,
} from "./support/lockboard-line.js";
import { openPtyLine, type PtyLine } from "./support/pty-line.js";

describe("bus master: a dead board does not stall the others", () => {
  let pty: PtyLine;
  let devices: DeviceSide;
  let bus: BusMaster<LockboardMessage>;
  let registry: Registry;

  beforeEach(async () => {
    pty = await openPtyLine();
    registry = new Registry();
    devices = await startDevices(pty.b, { boards: [1, 2, 3] });
  });

  afterEach(async () => {
    await bus?.stop();
    await devices?.stop();
    await pty?.close();
  });

  it("marks the dead board unreachable, skips it, and keeps polling the others", async () => {
    devices.sim.kill(2);
    // A long probe interval: once board 2 is unreachable the cycle must not touch it again.
    bus = lockboardBus({ link: portLink("rs485-1", pty.a), registry, backoff: { initialMs: 600_000 } });
    const polled = new Map<number, number>();
    for (const board of [1, 2, 3]) {
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
    const unreachable: string[] = [];
    bus.on("target", (t) => {
      if (!t.reachable) unreachable.push(t.target);
    });
    bus.start();

    await until(() => unreachable.length > 0, "board 2 reported unreachable");
    expect(unreachable).toEqual(["2"]);
    expect(await metric(registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(1);
    const heard2 = devices.heardFrom(2);
    expect(heard2).toBe(3); // one request: the first attempt and two retries

    const base1 = polled.get(1) ?? 0;
    const base3 = polled.get(3) ?? 0;
    await until(
      () => (polled.get(1) ?? 0) >= base1 + 20 && (polled.get(3) ?? 0) >= base3 + 20,
      "20 more polls each",
    );
    expect(devices.heardFrom(2)).toBe(heard2);
    expect(polled.get(2)).toBeUndefined();
    expect(bus.targets().find((t) => t.target === "2")?.reachable).toBe(false);
  });

  it("answers a command to a live board between the retries to a silent one", async () => {
    devices.sim.kill(2);
    bus = lockboardBus({ link: portLink("rs485-1", pty.a), registry });
    bus.start();
    await until(() => bus.connected, "bus connected");
    const settled: string[] = [];
    const dead = bus
      .request(req(queryAll(2), "command", { timeoutMs: 200, retries: 3 }))
      .catch(() => settled.push("board 2 failed"));
    const live = bus.request(req(openLock(3, 5))).then(() => settled.push("board 3 opened"));
    await Promise.all([dead, live]);
    expect(settled).toEqual(["board 3 opened", "board 2 failed"]);
    expect(devices.heard.map((m) => m.board)).toEqual([2, 3, 2, 2, 2]);
    expect(devices.sim.isOpen(3, 5)).toBe(true);
  });
});
