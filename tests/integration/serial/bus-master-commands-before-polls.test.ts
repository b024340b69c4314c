import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import { SerialLink } from "../../../src/southbound/serial/link.js";
import { SerialPortTransport } from "../../../src/southbound/serial/serialport-transport.js";
import {
  type DeviceSide,
  lockboardBus,
  openLock,
  portLink,
  queryAll,
  req,
  startDevices,
  testLogger,
  until,
} from "./support/lockboard-line.js";
import { openPtyLine, type PtyLine } from "./support/pty-line.js";

describe("bus master: commands go before polls", () => {
  let pty: PtyLine;
  let devices: DeviceSide;
  let bus: BusMaster<LockboardMessage>;
  let registry: Registry;

  beforeEach(async () => {
    pty = await openPtyLine();
    registry = new Registry();
    devices = await startDevices(pty.b, { boards: [1, 2, 3, 4] });
  });

  afterEach(async () => {
    await bus?.stop();
    await devices?.stop();
    await pty?.close();
  });

  it("sends queued commands ahead of queued polls, one frame at a time", async () => {
    bus = lockboardBus({ link: portLink("rs485-1", pty.a), registry });
    bus.start();
    await until(() => bus.connected, "bus connected");
    // The first poll goes on the wire at once; everything after it waits in the queue.
    const all = [
      bus.request(req(queryAll(1), "poll")),
      bus.request(req(queryAll(2), "poll")),
      bus.request(req(queryAll(3), "poll")),
      bus.request(req(openLock(4, 1))),
      bus.request(req(openLock(4, 2))),
    ];
    await Promise.all(all);
    expect(devices.heard.map((m) => `${m.kind} ${m.board}`)).toEqual([
      "queryAll 1",
      "openLock 4",
      "openLock 4",
      "queryAll 2",
      "queryAll 3",
    ]);
    expect(devices.heard.slice(1, 3)).toEqual([openLock(4, 1), openLock(4, 2)]);
  });

  it("puts a command on the wire right after the frame in flight, not after the poll cycle", async () => {
    // A real port that counts the frames written to it, so the test knows which frame comes next.
    let written = 0;
    class CountingPort extends SerialPortTransport {
      override write(data: Buffer): Promise<void> {
        written++;
        return super.write(data);
      }
    }
    const link = new SerialLink({
      id: "rs485-1",
      factory: () => new CountingPort({ path: pty.a, baudRate: 9600 }),
      log: testLogger(),
    });
    bus = lockboardBus({ link, registry, pollCycleMs: 0 });
    for (const board of [1, 2, 3]) {
      bus.addPoller({
        target: String(board),
        run: () => bus.request(req(queryAll(board), "poll")).then(() => {}),
      });
    }
    bus.start();
    await until(() => devices.heard.length >= 10, "polling under way");
    for (let lock = 1; lock <= 5; lock++) {
      const next = written; // frames 0..next-1 are written (the last may still be waiting for its reply)
      await bus.request(req(openLock(4, lock)));
      expect(devices.heard[next]).toEqual(openLock(4, lock));
      await until(() => devices.heard.length >= next + 4, "polling goes on");
    }
  });
});
