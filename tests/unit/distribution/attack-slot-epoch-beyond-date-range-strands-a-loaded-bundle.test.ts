/**
 * Attack (issue 11, review 2): a time slot given in epoch milliseconds beyond what a JavaScript
 * Date holds (e.g. `slot: { from: 1, to: 9e15 }`, a unit slip of the platform: microseconds for
 * milliseconds) is accepted by `distribution.load`, and then every place that writes the slot as
 * ISO 8601 throws a raw `RangeError: Invalid time value`. The worst of them is the door truth:
 * the volunteer puts the bundle in and shuts the door, the `distribution.loaded` event cannot be
 * built (its `slot.to`), the door's reaction fails, and the bundle stays `loading` although it is
 * inside; the volunteer's session is stuck on "a door is open for bundle B1" (QH_LOCKER_BUSY) and
 * the installer's bundle list (`GET /distribution/rounds/{id}/bundles`) answers a raw error.
 *
 * What should happen: `distribution.load` refuses a slot (and `closesAt`) outside the range an
 * ISO 8601 time can say (`args.bundles[0].slot: …`, QH_COMMAND_INVALID, every problem named);
 * ISO strings are already bounded by their 4-digit year, epoch numbers are not.
 *
 * Cause: src/domain/distribution/load-args.ts `time()` accepts any finite positive number;
 * src/domain/distribution/store.ts `iso()` (`new Date(ms).toISOString()`) then throws in
 * src/domain/distribution/loading.ts `loadedIn` (the `distribution.loaded` data), in
 * collect.ts `CollectDesk.collect` (QH_DIST_OUTSIDE_SLOT details) and service.ts `bundles()`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, KIOSK } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn } from "./fixture.js";

describe("attack: a slot in epoch milliseconds beyond a Date's range", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("attack: a slot to 9e15 ms is refused, so no bundle is stranded in its compartment", async () => {
    f = await distFixture();
    const load = await f
      .run("distribution.load", {
        roundId: "r1",
        bundles: [{ bundleId: "B1", household: "h-1", code: "910001", slot: { from: 1, to: 9e15 } }],
      })
      .then(
        () => undefined,
        (e: { code?: string; message?: string }) => e,
      );
    if (load !== undefined) {
      // refused, as it should be: naming the slot
      expect(load).toMatchObject({ code: "QH_COMMAND_INVALID" });
      expect(load.message).toMatch(/bundles\[0\]\.slot/);
      return;
    }
    // accepted: the volunteer loads it
    await f.dist.startLoading(KIOSK, COURIER.code);
    const v = await f.dist.scanLabel(KIOSK, "B1");
    expect(v).toMatchObject({ bundleId: "B1", compartment: "A01" });
    await putIn(f, "A01"); // in, door shut, the presence sensor sees it
    expect(f.dist.bundleState("B1"), "the bundle is inside, its door shut").toBe("loaded");
    expect(f.sink.events("distribution.loaded")).toHaveLength(1);
    // the installer's list of the round answers
    expect(() => f.dist.bundles("r1")).not.toThrow();
  });
});
