/**
 * Issue 11 (attacker review 3): a collected bundle's code is given to a parcel.
 *
 * Attack: household h-1 collects its bundle with code 910001 and keeps the slip. Later the platform
 * books a reservation (`locker.reserve`) with the pickup code 910001, or the gateway draws it for a
 * courier's parcel (PickupCodes.issue: with 6-digit codes, every collected bundle's code is one
 * more of the million a draw may hit; a round of 2,000 bundles makes it 1 parcel in 500). Both are
 * accepted, so h-1's old slip opens that parcel's door: one code, two doors, two households —
 * what distribution.load now refuses between bundles ("a code another household's bundle had",
 * load-batch.ts) is still open between a bundle and a parcel.
 *
 * What should happen: a code some bundle ever had (collected, unclaimed or retrieved, the hashes
 * kept in `distribution_bundles`) is never registered nor issued for a parcel
 * (QH_LOCKER_CODE_IN_USE for a reservation; another draw for a courier's parcel).
 *
 * Cause: src/domain/distribution/service.ts `start` sets `holds.setCodeInUse` to
 * `store.byCode(hash) !== undefined`, and DistributionStore.byCode finds live bundles only (not
 * collected, unclaimed nor retrieved); src/domain/locker/codes.ts `PickupCodes.register` / `issue`
 * ask nothing else.
 */
import { afterEach, expect, it } from "vitest";
import { command, KIOSK } from "../locker/fixture.js";
import { type DistFixture, distFixture, loadOne, takeOut } from "./fixture.js";

const LAYOUT = [
  {
    device: "locker-a",
    compartments: [
      { id: "A01", size: "S" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A02", size: "M" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
    ],
  },
];

let f: DistFixture;
afterEach(() => f.cleanup());

it("attack: a reservation may not take the code of a bundle its household collected", async () => {
  f = await distFixture({ layout: LAYOUT });
  await loadOne(f, { roundId: "r1", bundleId: "B1", household: "h-1", code: "910001", compartment: "A01" });
  expect(await f.svc.pickup(KIOSK, "910001")).toMatchObject({ bundleId: "B1" });
  await takeOut(f, "A01");
  expect(f.dist.bundleState("B1")).toBe("collected");

  const deadline = new Date(f.clock.now() + 24 * 3_600_000).toISOString();
  const booking = command(f, "locker.reserve", {
    orderId: "order-1",
    size: "M",
    pickupCode: "910001",
    deadline,
  });
  // h-1 keeps its slip: its old code must not become a parcel's code
  await expect(booking).rejects.toMatchObject({ code: "QH_LOCKER_CODE_IN_USE" });
});
