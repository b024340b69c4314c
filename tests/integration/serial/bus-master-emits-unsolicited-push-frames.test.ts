import { describe, expect, it } from "vitest";
import { encode, type LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import { metric, openLock, req, until, useStartedLine } from "./support/lockboard-line.js";

describe("bus master: frames nobody asked for", () => {
  const line = useStartedLine({ boards: [1], pushChanges: true });

  it("emits 0x82 push frames as unsolicited, also while a request is pending", async () => {
    const pushed: LockboardMessage[] = [];
    line.bus.on("unsolicited", (m) => pushed.push(m));
    line.devices.sim.forceOpen(1, 7); // no request pending
    await until(() => pushed.length === 1, "first push");
    const reply = await line.bus.request(req(openLock(1, 3))); // the board pushes the change after its reply
    expect(reply.kind).toBe("openReply");
    await until(() => pushed.length === 2, "second push");
    expect(pushed).toEqual([
      { kind: "pushChange", board: 1, lock: 7, closed: false },
      { kind: "pushChange", board: 1, lock: 3, closed: false },
    ]);
  });

  it("counts a decoded frame that answers nothing and is no push as stray", async () => {
    const pushed: LockboardMessage[] = [];
    line.bus.on("unsolicited", (m) => pushed.push(m));
    // A reply with no request: a late answer, or another master on the line.
    line.devices.sim.injectGarbage(encode({ kind: "queryAllReply", board: 1, closedMask: 1 }));
    const reply = await line.bus.request(req(openLock(1, 1))); // the line is still in order
    expect(reply).toMatchObject({ kind: "openReply", board: 1, lock: 1 });
    expect(
      await metric(line.registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "stray" }),
    ).toBe(1);
    expect(pushed.map((m) => m.kind)).not.toContain("queryAllReply");
  });
});
