import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import {
  createLockboardDecoder,
  describe as describeMsg,
  encode,
  isReplyTo,
  type LockboardMessage,
  type LockboardRequest,
} from "../../../src/protocols/lockboard-xor/index.js";
import { LockboardBusSim } from "../../../src/sim/lockboard-xor.js";
import { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import { createInProcessPair } from "../../../src/southbound/serial/in-process.js";
import { SerialLink } from "../../../src/southbound/serial/link.js";

const until = async (cond: () => boolean, what: string) => {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

const req = (msg: LockboardRequest, priority: "command" | "poll" = "command") => ({
  target: String(msg.board),
  bytes: encode(msg),
  match: (m: LockboardMessage) => isReplyTo(msg, m),
  message: msg,
  priority,
});

describe("bus master over an in-process pair (the demo's simulated line, no hardware)", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it("polls paced 9600-baud boards, opens a door and hears the push, with a dead board on the line", async () => {
    const [gw, dev] = createInProcessPair({ paceBaud: 9600 });
    const sim = new LockboardBusSim({ boards: [1, 2, 3], pushChanges: true, paceBaud: 9600 });
    sim.attach(dev);
    sim.kill(2);
    const registry = new Registry();
    const link = new SerialLink({ id: "demo", factory: () => gw, log: silentLogger(), registry });
    const bus = new BusMaster<LockboardMessage>({
      id: "demo",
      link,
      decoder: createLockboardDecoder(),
      describe: describeMsg,
      isUnsolicited: (m) => m.kind === "pushChange",
      log: silentLogger(),
      registry,
      defaults: { timeoutMs: 200, retries: 1 },
      pollCycleMs: 50,
    });
    stop = async () => {
      await bus.stop();
      sim.stop();
    };
    const polled = new Map<number, number>();
    const status = new Map<number, number>();
    for (const board of [1, 2, 3]) {
      bus.addPoller({
        target: String(board),
        run: async () => {
          const r = await bus.request(req({ kind: "queryAll", board }, "poll"));
          if (r.kind === "queryAllReply") status.set(board, r.closedMask);
          polled.set(board, (polled.get(board) ?? 0) + 1);
        },
      });
    }
    const pushes: LockboardMessage[] = [];
    bus.on("unsolicited", (m) => pushes.push(m));
    const targets: Array<{ target: string; reachable: boolean }> = [];
    bus.on("target", (t) => targets.push(t));
    bus.start();

    await until(() => (polled.get(1) ?? 0) >= 3 && (polled.get(3) ?? 0) >= 3, "boards 1 and 3 polled");
    expect(targets).toContainEqual({ target: "2", reachable: false });
    const reply = await bus.request(req({ kind: "openLock", board: 3, lock: 4 }));
    expect(reply).toMatchObject({ kind: "openReply", board: 3, lock: 4 });
    await until(() => pushes.length === 1, "push");
    expect(pushes[0]).toEqual({ kind: "pushChange", board: 3, lock: 4, closed: false });
    await until(() => status.get(3) === 0xffffff - 0b1000, "door 4 seen open by a poll");
    expect(sim.isOpen(3, 4)).toBe(true);
  });
});
