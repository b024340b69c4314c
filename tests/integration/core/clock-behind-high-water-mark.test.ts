/**
 * A gateway never runs before the last time it recorded: restarted on a wall clock 3 days behind
 * (a Pi without a battery clock after a power cut, before NTP), it knows the clock is wrong, says so
 * in /health, runs on from the recorded time (event times and ids keep their order) and flags what
 * it records. Before: it started on the wrong time with no sign, event times 3 days back.
 *
 * The gateway reads a ManualClock; what the OS says about NTP is the test's answer (the machine's
 * NTP daemon is not ours to run): "not synchronised", as on a Pi right after boot.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { type Gateway, startGateway } from "../../../src/gateway.js";
import { testConfig } from "../../helpers/gateway.js";
import { storedEnvelopes } from "../../helpers/outbox-rows.js";
import { startAedes, type Upstream } from "../../helpers/upstream.js";

const DAY = 86_400_000;

describe("the clock's high-water mark", () => {
  let up: Upstream | undefined;
  let gw: Gateway | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await gw?.stop();
    await up?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    gw = undefined;
    up = undefined;
  });

  it("a restart on a clock behind it is flagged and runs on from the recorded time", async () => {
    up = await startAedes(0);
    const config = testConfig(up.url);
    dir = config.dataDir;
    const real = Date.now();
    const unsynced = async () => ({ synced: false, via: "timesyncd" as const });

    const first = new ManualClock(real);
    gw = await startGateway({
      config,
      log: silentLogger(),
      clock: first,
      timeSync: async () => ({ synced: true, via: "timesyncd" }),
    });
    const a = await gw.ingest.emit({ device: "d", type: "t.before", data: {} });
    first.advance(10_000);
    await gw.stop(); // records the high-water mark: real + 10 s
    gw = undefined;

    const second = new ManualClock(real - 3 * DAY);
    gw = await startGateway({ config, log: silentLogger(), clock: second, timeSync: unsynced });
    const r = await gw.api.inject({ url: "/health" });
    expect(r.json()).toMatchObject({
      warnings: [expect.stringContaining("behind the last recorded time")],
      clock: { synced: false, behindHighWater: true },
    });
    expect(gw.clock.now()).toBeGreaterThanOrEqual(real + 10_000);
    const b = await gw.ingest.emit({ device: "d", type: "t.after", data: {} });
    expect(b.id > a.id).toBe(true);
    const rows = storedEnvelopes(gw.db);
    expect(rows.map((x) => x.seq)).toEqual([1, 2]);
    expect(Date.parse(rows[1]!.ts as string)).toBeGreaterThanOrEqual(Date.parse(rows[0]!.ts as string));
    expect(rows[0]).not.toHaveProperty("clock");
    expect(rows[1]).toMatchObject({ clock: "unsynced" });
  });
});
