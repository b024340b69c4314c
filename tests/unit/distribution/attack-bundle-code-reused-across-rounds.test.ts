/**
 * Attack (issue 11, review 2): a bundle code reused across rounds opens another household's door.
 *
 * Household h-1 collects its bundle of round r1 with code 910001 and keeps the slip. The platform
 * draws codes at random (9 digits for a round of 20,000 against a billion codes: across rounds a
 * repeat is likely, ~0.4 per pair of such rounds), and round r2 gives the same 910001 to household
 * h-2. `distribution.load` accepts it, because it refuses only a code a parcel or a bundle *still
 * in the lockers* uses. Once h-2's bundle is loaded, h-1 types its old code and the door of h-2's
 * bundle opens: one code opened two doors, for two households (docs/emergency.md: "One code never
 * opens two doors").
 *
 * What should happen: a code some other household's bundle already had (collected, unclaimed or
 * retrieved; the hashes are kept in `distribution_bundles`) is a problem of the command
 * (`args.bundles[i].code: …`, QH_COMMAND_INVALID), so the platform draws another one.
 *
 * Cause: src/domain/distribution/rounds.ts `RoundDesk.load` checks `store.byCode(h)`, which
 * (src/domain/distribution/store.ts `DistributionStore.byCode`) finds only live bundles (states
 * other than collected, unclaimed, retrieved).
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn, takeOut } from "./fixture.js";

const LAYOUT = [
  {
    device: "locker-a",
    compartments: [
      { id: "A01", size: "S" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A02", size: "S" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
    ],
  },
];

describe("attack: a bundle code across rounds", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("attack: a collected bundle's code given to another household in the next round is refused", async () => {
    f = await distFixture({ layout: LAYOUT });
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: "h-1", code: "910001" }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, "A01");
    f.dist.endLoading(KIOSK);
    // h-1 collects its bundle with 910001
    expect(await f.svc.pickup(KIOSK, "910001")).toMatchObject({ bundleId: "B1" });
    await takeOut(f, "A01");
    expect(f.dist.bundleState("B1")).toBe("collected");
    await f.run("distribution.close", { roundId: "r1" });

    // the next round gives h-2 the same code: it must be refused (h-1 knows it)
    const second = f.run("distribution.load", {
      roundId: "r2",
      bundles: [{ bundleId: "B2", household: "h-2", code: "910001" }],
    });
    const refused = await second.then(
      () => undefined,
      (e: { code?: string; message?: string }) => e,
    );
    if (refused === undefined) {
      // accepted: show what it leads to, h-1's old code opens h-2's door
      await f.dist.startLoading(KIOSK, COURIER.code);
      await f.dist.scanLabel(KIOSK, "B2");
      await putIn(f, "A01");
      f.dist.endLoading(KIOSK);
      const before = f.port.pulseCount(ref("A01"));
      const opened = await f.svc.pickup(KIOSK, "910001").catch(() => undefined);
      expect(opened, "h-1's old code of round r1 opened h-2's bundle door").toBeUndefined();
      expect(f.port.pulseCount(ref("A01"))).toBe(before);
    }
    expect(refused).toMatchObject({ code: "QH_COMMAND_INVALID" });
    expect(refused?.message).toMatch(/bundles\[0\]\.code/);
  });
});
