import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encode, type LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import {
  type DeviceSide,
  lockboardBus,
  metric,
  openLock,
  portLink,
  req,
  startDevices,
  until,
} from "./support/lockboard-line.js";
import { openPtyLine, type PtyLine } from "./support/pty-line.js";

describe("bus master: frames nobody asked for", () => {
  let pty: PtyLine;
  let devices: DeviceSide;
  let bus: BusMaster<LockboardMessage>;
  let registry: Registry;

  beforeEach(async () => {
    pty = await openPtyLine();
    registry = new Registry();
    devices = await startDevices(pty.b, { boards: [1], pushChanges: true });
    bus = lockboardBus({ link: portLink("rs485-1", pty.a), registry });
    bus.start();
    await until(() => bus.connected, "bus connected");
  });

  afterEach(async () => {
    await bus?.stop();
    await devices?.stop();
    await pty?.close();
  });

  it("emits 0x82 push frames as unsolicited, also while a request is pending", async () => {
    const pushed: LockboardMessage[] = [];
    bus.on("unsolicited", (m) => pushed.push(m));
    devices.sim.forceOpen(1, 7); // no request pending
    await until(() => pushed.length === 1, "first push");
    const reply = await bus.request(req(openLock(1, 3))); // the board pushes the change after its reply
    expect(reply.kind).toBe("openReply");
    await until(() => pushed.length === 2, "second push");
    expect(pushed).toEqual([
      { kind: "pushChange", board: 1, lock: 7, closed: false },
      { kind: "pushChange", board: 1, lock: 3, closed: false },
    ]);
  });

  it("counts a decoded frame that answers nothing and is no push as stray", async () => {
    const pushed: LockboardMessage[] = [];
    bus.on("unsolicited", (m) => pushed.push(m));
    // A reply with no request: a late answer, or another master on the line.
    devices.sim.injectGarbage(encode({ kind: "queryAllReply", board: 1, closedMask: 1 }));
    const reply = await bus.request(req(openLock(1, 1))); // the line is still in order
    expect(reply).toMatchObject({ kind: "openReply", board: 1, lock: 1 });
    expect(await metric(registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "stray" })).toBe(
      1,
    );
    expect(pushed.map((m) => m.kind)).not.toContain("queryAllReply");
  });
});
