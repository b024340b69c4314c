import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import type { LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import {
  type DeviceSide,
  lockboardBus,
  openLock,
  portLink,
  queryAll,
  req,
  startDevices,
  until,
} from "./support/lockboard-line.js";
import { openPtyLine, type PtyLine } from "./support/pty-line.js";

describe("bus master: pending requests fail with QH_SERIAL_CLOSED when the line drops", () => {
  let pty: PtyLine;
  let devices: DeviceSide;
  let bus: BusMaster<LockboardMessage>;

  beforeEach(async () => {
    pty = await openPtyLine();
    devices = await startDevices(pty.b, { boards: [1, 2] });
    bus = lockboardBus({ link: portLink("rs485-1", pty.a), registry: new Registry() });
    bus.start();
    await until(() => bus.connected, "bus connected");
  });

  afterEach(async () => {
    await bus?.stop();
    await devices?.stop();
    await pty?.close();
  });

  it("fails the request on the wire and every queued one, without waiting for their timeouts", async () => {
    devices.sim.kill(1); // the request on the wire will never be answered
    const long = { timeoutMs: 600_000, retries: 0 };
    const pending = [
      bus.request(req(queryAll(1), "command", long)),
      bus.request(req(openLock(2, 1), "command", long)),
      bus.request(req(queryAll(2), "poll", long)),
    ].map((p) =>
      p.then(
        () => "answered",
        (e: unknown) => e,
      ),
    );
    await until(() => devices.heard.length === 1, "the first request is on the wire");
    await pty.unplug();
    const outcomes = await Promise.all(pending);
    for (const o of outcomes) expect(isQhError(o, "QH_SERIAL_CLOSED")).toBe(true);
    // The silent board is not blamed for the outage.
    expect(bus.targets().every((t) => t.reachable)).toBe(true);
    // Sent during the outage: refused at once.
    const during = await bus.request(req(queryAll(2), "command", long)).catch((e: unknown) => e);
    expect(isQhError(during, "QH_SERIAL_CLOSED")).toBe(true);
  });
});
