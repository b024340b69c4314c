/**
 * Issue 7: retries are for reads. A request that moves something (`moves: true`: a door pulse) is
 * written once whatever the retry policy, over a real PTY line; what the boards heard is counted on
 * the simulator's side. Its missing answer leaves the outcome unknown (QH_SERIAL_TIMEOUT with
 * details.moves) and does not mark the board unreachable: the read that follows decides.
 */
import { describe, expect, it } from "vitest";
import { isQhError, type QhError } from "../../../src/core/errors.js";
import { openLock, queryAll, req, until, useStartedLine } from "./support/lockboard-line.js";

describe("bus master: a request that moves something", () => {
  const line = useStartedLine({ boards: [1, 2], openReply: "echo" });
  const opensHeard = (board: number) =>
    line.devices.heard.filter((m) => m.kind === "openLock" && m.board === board).length;

  it("is written once to a silent board whatever the line's retries, and leaves the board reachable", async () => {
    const seen: Array<{ target: string; reachable: boolean }> = [];
    line.bus.on("target", (t) => seen.push(t));
    line.devices.sim.kill(2);
    const err = (await line.bus
      .request(req(openLock(2, 3), "command", { moves: true, timeoutMs: 200 }))
      .catch((e: unknown) => e)) as QhError;
    expect(isQhError(err, "QH_SERIAL_TIMEOUT")).toBe(true);
    expect(err.details).toMatchObject({ target: "2", moves: true });
    expect(opensHeard(2)).toBe(1);
    expect(seen).toEqual([]);
    // the read after it is retried (it moves nothing) and decides: unreachable
    await line.bus.request(req(queryAll(2), "command", { retries: 2, timeoutMs: 200 })).catch(() => {});
    await until(() => line.devices.heardFrom(2) >= 4, "the open and three reads heard");
    expect(line.devices.heardFrom(2)).toBe(4);
    expect(opensHeard(2)).toBe(1);
    expect(seen).toEqual([{ target: "2", reachable: false }]);
    expect(line.devices.sim.isOpen(2, 3)).toBe(false);
  });

  it("whose answer is lost is not resent: the read after it shows the door open", async () => {
    line.devices.sim.loseReplies(1);
    const err = await line.bus
      .request(req(openLock(1, 1), "command", { moves: true, timeoutMs: 200, retries: 0 }))
      .catch((e: unknown) => e);
    expect(isQhError(err, "QH_SERIAL_TIMEOUT")).toBe(true);
    const reply = await line.bus.request(req(queryAll(1)));
    expect(reply).toEqual({ kind: "queryAllReply", board: 1, closedMask: 0xfffffe });
    expect(opensHeard(1)).toBe(1);
  });

  it("cannot be given retries: refused before anything is written", async () => {
    const err = await line.bus
      .request(req(openLock(1, 2), "command", { moves: true, retries: 1 }))
      .catch((e: unknown) => e);
    expect(isQhError(err, "QH_INTERNAL")).toBe(true);
    await line.bus.request(req(queryAll(1)));
    expect(opensHeard(1)).toBe(0);
    expect(line.devices.sim.isOpen(1, 2)).toBe(false);
  });
});
