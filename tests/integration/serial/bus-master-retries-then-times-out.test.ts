import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
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

describe("bus master: a request is retried, then times out", () => {
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

  it("sends 1 + retries attempts to a silent board, then rejects with QH_SERIAL_TIMEOUT", async () => {
    devices.sim.kill(2);
    const err = await bus
      .request(req(queryAll(2), "command", { retries: 2, timeoutMs: 200 }))
      .catch((e: unknown) => e);
    expect(isQhError(err, "QH_SERIAL_TIMEOUT")).toBe(true);
    await until(() => devices.heardFrom(2) >= 3, "three attempts heard");
    expect(devices.heardFrom(2)).toBe(3);
    expect(
      await metric(registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "timeout" }),
    ).toBe(3);
    expect(await metric(registry, "qh_bus_frames_sent_total", { bus: "rs485-1" })).toBe(3);
  });

  it("succeeds when a retry is answered", async () => {
    devices.sim.kill(1);
    // The board comes back right after it ignored the first attempt.
    devices.sim.once("rx", () => setTimeout(() => devices.sim.revive(1), 0));
    const reply = await bus.request(req(queryAll(1), "command", { retries: 2 }));
    expect(reply).toEqual({ kind: "queryAllReply", board: 1, closedMask: 0xffffff });
    expect(devices.heardFrom(1)).toBe(2);
    expect(
      await metric(registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "timeout" }),
    ).toBe(1);
  });

  it("reports the board unreachable after it times out, and back when it answers", async () => {
    const seen: Array<{ target: string; reachable: boolean }> = [];
    bus.on("target", (t) => seen.push(t));
    devices.sim.kill(2);
    await bus.request(req(queryAll(2), "command", { timeoutMs: 200 })).catch(() => {});
    expect(seen).toEqual([{ target: "2", reachable: false }]);
    expect(await metric(registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(1);
    devices.sim.revive(2);
    await bus.request(req(queryAll(2)));
    expect(seen).toEqual([
      { target: "2", reachable: false },
      { target: "2", reachable: true },
    ]);
    expect(await metric(registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(0);
  });
});
