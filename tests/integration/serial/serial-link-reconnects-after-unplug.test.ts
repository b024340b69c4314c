import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import type { LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import type { SerialLink, SerialLinkEvents } from "../../../src/southbound/serial/link.js";
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

describe("serial link: reconnects after an unplug, and polling resumes", () => {
  let pty: PtyLine;
  let devices: DeviceSide;
  let link: SerialLink;
  let bus: BusMaster<LockboardMessage>;
  let registry: Registry;
  const polled = new Map<number, number>();

  beforeEach(async () => {
    polled.clear();
    pty = await openPtyLine();
    registry = new Registry();
    devices = await startDevices(pty.b, { boards: [1, 2] });
    link = portLink("rs485-1", pty.a, registry);
    bus = lockboardBus({ link, registry });
    for (const board of [1, 2]) {
      bus.addPoller({
        target: String(board),
        run: async () => {
          await bus.request(req(queryAll(board), "poll"));
          polled.set(board, (polled.get(board) ?? 0) + 1);
        },
      });
    }
    bus.start();
  });

  afterEach(async () => {
    await bus?.stop();
    await devices?.stop();
    await pty?.close();
  });

  const pollsOf = (board: number) => polled.get(board) ?? 0;

  it.each(["SIGTERM", "SIGKILL"] as const)(
    "socat killed with %s: the port vanishes, then comes back",
    async (signal) => {
      await until(() => pollsOf(1) >= 5 && pollsOf(2) >= 5, "polling");
      const downs: SerialLinkEvents["down"][] = [];
      link.on("down", (d) => downs.push(d));
      const busLink: boolean[] = [];
      bus.on("link", (l) => busLink.push(l.connected));

      await pty.unplug(signal);
      await until(() => downs.length === 1, "the link reports the loss");
      expect(downs[0]?.kind).toBe("unplugged");
      expect(["EIO", "EBADF", "ENXIO", "ENOENT"]).toContain(
        (downs[0]?.error as NodeJS.ErrnoException | undefined)?.code,
      );
      expect(link.connected).toBe(false);
      expect(busLink).toEqual([false]);

      // While the line is down: requests fail at once, and reopening fails with ENOENT (no such path).
      const err = await bus.request(req(queryAll(1))).catch((e: unknown) => e);
      expect(isQhError(err, "QH_SERIAL_CLOSED")).toBe(true);
      await until(() => link.lastFailure?.errno === "ENOENT", "a failed reopen attempt");
      expect(link.lastFailure?.kind).toBe("unplugged");
      expect(await metric(registry, "qh_serial_link_up", { bus: "rs485-1" })).toBe(0);

      const before1 = pollsOf(1);
      const before2 = pollsOf(2);
      await pty.replug(); // socat again, on the same link paths
      await until(() => link.connected && devices.link.connected, "both ends reopened");
      await until(() => pollsOf(1) >= before1 + 5 && pollsOf(2) >= before2 + 5, "polling resumes");
      expect(busLink).toEqual([false, true]);
      expect(await metric(registry, "qh_serial_link_up", { bus: "rs485-1" })).toBe(1);
      expect(
        await metric(registry, "qh_serial_link_losses_total", { bus: "rs485-1", kind: "unplugged" }),
      ).toBe(1);
      expect(bus.targets().every((t) => t.reachable)).toBe(true);
    },
  );

  it("survives several unplugs in a row", async () => {
    for (let i = 0; i < 3; i++) {
      const base = pollsOf(1);
      await until(() => pollsOf(1) >= base + 3, `polling (round ${i})`);
      await pty.unplug();
      await until(() => !link.connected, `link down (round ${i})`);
      await pty.replug();
      await until(() => link.connected, `link up (round ${i})`);
    }
    const base = pollsOf(1);
    await until(() => pollsOf(1) >= base + 5, "polling after the last replug");
    expect(await metric(registry, "qh_serial_link_losses_total", { bus: "rs485-1", kind: "unplugged" })).toBe(
      3,
    );
  });
});
