/**
 * A recorded high-water mark ahead of the true time (someone once set the year wrong; issue 6
 * review: `UPDATE clock_state SET high_water = now + 3 d` on a stopped store). Restarted on an
 * unsynchronised clock, the gateway runs on from the recorded time, 3 days ahead. Before: every
 * parcel deposited on the synchronised clock went overdue at once (its deadline judged on the
 * recorded time), and stayed overdue after NTP corrected the clock. Now: a deadline computed on a
 * clock that was right is not judged until the clock is synchronised again; once it is, the
 * gateway trusts it over the recorded time (a step back, logged at warn, flagged in /health).
 *
 * Time is a ManualClock the gateway's TimeKeeper reads; what the OS says about NTP is the test's
 * answer (`timeSync`): the machine's NTP daemon is not ours to run.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { tempDir } from "../../helpers/gateway.js";
import { storedEnvelopes } from "../../helpers/outbox-rows.js";
import { waitUntil } from "../../helpers/upstream.js";
import { type LockerSite, startLockerSite } from "./support.js";

const DAY = 86_400_000;

/** Let the locker's sweep (a 1 s timer) run a few times on the gateway's current time. */
const sweeps = () => new Promise((r) => setTimeout(r, 3_500));

describe("a recorded time ahead of the true time", () => {
  let site: LockerSite | undefined;
  let firstSite: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    await firstSite?.close(); // its gateway stopped already; the rest of it (simulators, data dir)
    site = undefined;
    firstSite = undefined;
  });

  it("no overdue for parcels of the synchronised clock while running on from it; the synced clock wins", async () => {
    const dataDir = join(tempDir("qh-hw-ahead-"), "data");
    const real = Date.now();
    const first = new ManualClock(real);
    site = await startLockerSite({
      dataDir,
      uplinkDown: true,
      clock: first,
      timeSync: async () => ({ synced: true, via: "timedatectl" }),
      locker: { pickupWindowHours: 48 },
    });
    const { parcelId } = await site.depositParcel("PKG-HW-AHEAD", "M");
    await site.gw.stop();
    firstSite = site;
    site = undefined;
    // the recorded time set 3 days ahead on the stopped store
    const db = new Database(join(dataDir, "quarterhour.db"));
    db.prepare("UPDATE clock_state SET high_water = ?").run(real + 3 * DAY);
    db.close();

    let ntp = false;
    const second = new ManualClock(real + 10_000);
    site = await startLockerSite({
      dataDir,
      uplinkDown: true,
      clock: second,
      timeSync: async () => ({ synced: ntp, via: "timedatectl" }),
      locker: { pickupWindowHours: 48 },
    });
    const s = site;
    expect((await s.health()).body).toMatchObject({ clock: { synced: false, behindHighWater: true } });
    await sweeps();
    // 48 h window, deposited 10 s ago: the recorded time (3 days on) does not judge it
    expect(await s.parcel(parcelId)).toMatchObject({ state: "stored" });
    expect(storedEnvelopes(s.gw.db, "parcel.overdue")).toEqual([]);

    // the clock is synchronised: trusted over the recorded time, a step back, flagged
    ntp = true;
    await s.gw.clock.check(); // the OS is asked every clock.checkSeconds; here at once
    await waitUntil(async () => (await s.health()).body.clock?.synced === true, 20_000, "clock synced");
    const clock = (await s.health()).body.clock as {
      lastCorrection?: { deltaMs: number };
      recordedAheadMs?: number;
    };
    expect(clock.lastCorrection?.deltaMs).toBeLessThan(-3 * DAY + 60_000);
    expect(clock.recordedAheadMs).toBeGreaterThan(3 * DAY - 60_000);
    expect(s.gw.clock.now()).toBeLessThan(real + DAY);
    await sweeps();
    expect(await s.parcel(parcelId)).toMatchObject({ state: "stored" });
    expect(storedEnvelopes(s.gw.db, "parcel.overdue")).toEqual([]);

    // the window still ends on the true time: overdue 48 h after the deposit
    second.advance(48 * 3_600_000);
    await waitUntil(async () => (await s.parcel(parcelId))?.state === "overdue", 20_000, "overdue on time");
    // the state is written first; the event reaches the event store a moment later
    await waitUntil(
      async () => storedEnvelopes(s.gw.db, "parcel.overdue").length > 0,
      20_000,
      "overdue stored",
    );
    expect(storedEnvelopes(s.gw.db, "parcel.overdue")).toHaveLength(1);
  }, 60_000);
});
