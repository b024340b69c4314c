/**
 * The field report of issue 6: a Pi without a battery clock boots 3 days behind, a courier deposits,
 * then NTP steps the clock forward. Before: the deposit's deadline was already in the past once the
 * clock was right, and parcel.overdue fired a second after the step, for a parcel 5 s in the
 * locker; events were dated 3 days back with no sign. Now: the events say `"clock": "unsynced"`,
 * the step is held back until the OS says the clock is synchronised, then the deadline is
 * re-anchored by the same 3 days (the pickup window counts from the deposit, on monotonic time).
 *
 * Time is a ManualClock the gateway's TimeKeeper reads: `advance` lets time flow, `step` moves only
 * the wall clock (what NTP does). What the OS says about NTP is the test's answer (`timeSync`): the
 * machine's real clock and NTP daemon are not ours to step in a test.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { storedEnvelopes } from "../../helpers/outbox-rows.js";
import { waitUntil } from "../../helpers/upstream.js";
import { LOCKER, type LockerSite, startLockerSite } from "./support.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

function bodies(site: LockerSite, type: string): Record<string, unknown>[] {
  return storedEnvelopes(site.gw.db, type);
}

async function deadlineOf(site: LockerSite, parcelId: string): Promise<number> {
  return Date.parse(((await site.parcel(parcelId)) as unknown as { deadline: string }).deadline);
}

/** Let the locker's sweep (a 1 s timer) run a few times on the gateway's current time. */
const sweeps = () => new Promise((r) => setTimeout(r, 3_500));

describe("a clock stepped by NTP after a deposit on an unsynchronised boot", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("flags the events, fires no overdue after the step, and keeps the whole pickup window", async () => {
    const realNow = Date.now();
    const clock = new ManualClock(realNow - 3 * DAY); // booted 3 days behind
    let ntp = false;
    site = await startLockerSite({
      uplinkDown: true,
      clock,
      timeSync: async () => ({ synced: ntp, via: "timedatectl" }),
      locker: { pickupWindowHours: 48 },
    });
    const s = site;
    expect((await s.health()).body).toMatchObject({
      warnings: [expect.stringContaining("clock unsynchronised")],
      clock: { synced: false },
    });

    const { parcelId } = await s.depositParcel("PKG-NO-RTC-1", "M");
    const deposited = bodies(s, "parcel.deposited")[0]!;
    expect(deposited).toMatchObject({ clock: "unsynced", data: { parcelId } });
    const deadlineBefore = await deadlineOf(s, parcelId);
    expect(deadlineBefore).toBeLessThan(realNow); // issued on the wrong clock: already past in real time

    // 5 s later NTP steps the clock forward by 3 days and says it is synchronised
    clock.advance(5_000);
    clock.step(3 * DAY);
    ntp = true;
    await waitUntil(async () => (await s.health()).body.clock?.synced === true, 20_000, "clock synced");
    const h = (await s.health()).body;
    expect(h.warnings).toEqual([]);
    expect(h.clock?.lastCorrection?.deltaMs).toBe(3 * DAY);

    // a second (and more) after the step: no overdue, and the deadline moved by the same 3 days
    clock.advance(1_000);
    await sweeps();
    expect(await s.parcel(parcelId)).toMatchObject({ state: "stored" });
    expect(bodies(s, "parcel.overdue")).toEqual([]);
    expect(await deadlineOf(s, parcelId)).toBe(deadlineBefore + 3 * DAY);

    // the window still ends, 48 h after the deposit counted on monotonic time; events accepted on
    // the synchronised clock carry no flag
    clock.advance(48 * HOUR - 6_001);
    await sweeps();
    expect(await s.parcel(parcelId)).toMatchObject({ state: "stored" });
    clock.advance(2_000);
    await waitUntil(async () => (await s.parcel(parcelId)).state === "overdue", 20_000, "overdue");
    await waitUntil(() => bodies(s, "parcel.overdue").length > 0, 20_000, "parcel.overdue stored");
    const overdue = bodies(s, "parcel.overdue");
    expect(overdue).toHaveLength(1);
    expect(overdue[0]).not.toHaveProperty("clock");
    expect(await s.compartment(LOCKER, (await s.parcel(parcelId)).compartment as string)).toMatchObject({
      state: "overdue",
    });
  });
});
