import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { openLock, queryAll, req, until, useStartedLine } from "./support/lockboard-line.js";

describe("bus master: pending requests fail with QH_SERIAL_CLOSED when the line drops", () => {
  const line = useStartedLine({ boards: [1, 2] });

  it("fails the request on the wire and every queued one, without waiting for their timeouts", async () => {
    line.devices.sim.kill(1); // the request on the wire will never be answered
    const long = { timeoutMs: 600_000, retries: 0 };
    const pending = [
      line.bus.request(req(queryAll(1), "command", long)),
      line.bus.request(req(openLock(2, 1), "command", long)),
      line.bus.request(req(queryAll(2), "poll", long)),
    ].map((p) =>
      p.then(
        () => "answered",
        (e: unknown) => e,
      ),
    );
    await until(() => line.devices.heard.length === 1, "the first request is on the wire");
    await line.pty.unplug();
    const outcomes = await Promise.all(pending);
    for (const o of outcomes) expect(isQhError(o, "QH_SERIAL_CLOSED")).toBe(true);
    // The silent board is not blamed for the outage.
    expect(line.bus.targets().every((t) => t.reachable)).toBe(true);
    // Sent during the outage: refused at once.
    const during = await line.bus.request(req(queryAll(2), "command", long)).catch((e: unknown) => e);
    expect(isQhError(during, "QH_SERIAL_CLOSED")).toBe(true);
  });
});
