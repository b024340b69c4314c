import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { metric, queryAll, req, until, useStartedLine } from "./support/lockboard-line.js";

describe("bus master: a request is retried, then times out", () => {
  const line = useStartedLine({ boards: [1, 2] });

  it("sends 1 + retries attempts to a silent board, then rejects with QH_SERIAL_TIMEOUT", async () => {
    line.devices.sim.kill(2);
    const err = await line.bus
      .request(req(queryAll(2), "command", { retries: 2, timeoutMs: 200 }))
      .catch((e: unknown) => e);
    expect(isQhError(err, "QH_SERIAL_TIMEOUT")).toBe(true);
    await until(() => line.devices.heardFrom(2) >= 3, "three attempts heard");
    expect(line.devices.heardFrom(2)).toBe(3);
    expect(
      await metric(line.registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "timeout" }),
    ).toBe(3);
    expect(await metric(line.registry, "qh_bus_frames_sent_total", { bus: "rs485-1" })).toBe(3);
  });

  it("succeeds when a retry is answered", async () => {
    line.devices.sim.kill(1);
    // The board comes back right after it ignored the first attempt.
    line.devices.sim.once("rx", () => setTimeout(() => line.devices.sim.revive(1), 0));
    const reply = await line.bus.request(req(queryAll(1), "command", { retries: 2 }));
    expect(reply).toEqual({ kind: "queryAllReply", board: 1, closedMask: 0xffffff });
    expect(line.devices.heardFrom(1)).toBe(2);
    expect(
      await metric(line.registry, "qh_bus_frames_rejected_total", { bus: "rs485-1", reason: "timeout" }),
    ).toBe(1);
  });

  it("reports the board unreachable after it times out, and back when it answers", async () => {
    const seen: Array<{ target: string; reachable: boolean }> = [];
    line.bus.on("target", (t) => seen.push(t));
    line.devices.sim.kill(2);
    await line.bus.request(req(queryAll(2), "command", { timeoutMs: 200 })).catch(() => {});
    expect(seen).toEqual([{ target: "2", reachable: false }]);
    expect(await metric(line.registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(1);
    line.devices.sim.revive(2);
    await line.bus.request(req(queryAll(2)));
    expect(seen).toEqual([
      { target: "2", reachable: false },
      { target: "2", reachable: true },
    ]);
    expect(await metric(line.registry, "qh_bus_targets_unreachable", { bus: "rs485-1" })).toBe(0);
  });
});
