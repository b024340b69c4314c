/**
 * The clock's periodic check may take the OS's last answer (osTimeSyncProbe keeps it, sparing the
 * event loop a child process); a step of the wall clock asks afresh. The probe records how it was
 * asked: what the OS says is the test's answer (the machine's NTP daemon is not ours to step).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { SyncReading } from "../../../src/core/time-sync.js";
import { TimeKeeper } from "../../../src/core/timekeeper.js";

describe("TimeKeeper asks the OS afresh after a step", () => {
  it("start and a step ask fresh; the periodic check may take the standing answer", async () => {
    const source = new ManualClock(Date.parse("2026-12-01T08:00:00.000Z"));
    const asked: boolean[] = [];
    const k = new TimeKeeper({
      mode: "auto",
      source,
      log: silentLogger(),
      probe: async (fresh?: boolean): Promise<SyncReading> => {
        asked.push(fresh === true);
        return { synced: true, via: "timedatectl" };
      },
    });
    await k.start();
    expect(asked).toEqual([true]);
    await k.check(); // what the timer does every checkMs
    expect(asked).toEqual([true, false]);
    source.advance(1_000);
    source.step(-3_600_000);
    k.now(); // the step is seen here and asks at once
    await k.check();
    expect(asked.slice(2)).toContain(true);
    k.stop();
  });
});
