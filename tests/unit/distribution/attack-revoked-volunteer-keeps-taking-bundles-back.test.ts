/**
 * Issue 11 (attacker review 3): a volunteer's session outlives the code that opened it.
 *
 * Attack: a volunteer signs in at a kiosk (a code with both roles). The platform then syncs
 * `courier.codes.set` with that code's roles cut to `["courier"]` (docs/emergency.md "Volunteers
 * load": "give couriers `roles: ["courier"]` to keep them out of volunteer duty, such as taking
 * bundles back"), or without the code at all. The session opened before the sync stays live, so
 * `POST /kiosk/{t}/distribution/retrieve` still pulses a bundle's door for someone the platform has
 * just taken off volunteer duty.
 *
 * What should happen: a code set that withdraws the `volunteer` role (or the code) ends the sessions
 * it opened, or the desk re-checks the role before it moves a door; the retrieve is refused
 * (QH_DIST_SESSION) and no door is pulsed.
 *
 * Cause: src/domain/distribution/loading.ts checks the role once, in `start` (identify(code,
 * "volunteer")), and keeps only the volunteer's id in memory; `volunteerAt` (used by
 * src/domain/distribution/retrieve.ts) and `label` never look at the synced codes again, and
 * CourierCodes.replace (src/domain/locker/codes.ts) tells no session about the new set.
 */
import { afterEach, expect, it } from "vitest";
import { COURIER, command, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, ONE_AMBIENT_S as LAYOUT, loadOne } from "./fixture.js";

let f: DistFixture;
afterEach(() => f.cleanup());

it("attack: a volunteer taken off duty by courier.codes.set opens no bundle's door any more", async () => {
  f = await distFixture({ layout: LAYOUT });
  await command(f, "courier.codes.set", { couriers: [{ id: COURIER.id, code: COURIER.code }] });
  await loadOne(
    f,
    { bundleId: "B1", household: "h-1", code: "910001", compartment: "A01" },
    { keepSession: true },
  );
  await f.run("distribution.close", { roundId: "r1" }); // B1 is now the volunteers' to take back
  expect(f.dist.toRetrieve().map((b) => b.bundleId)).toEqual(["B1"]);

  // the platform keeps this code out of volunteer duty
  await command(f, "courier.codes.set", {
    couriers: [{ id: COURIER.id, code: COURIER.code, roles: ["courier"] }],
  });
  // a fresh sign-in with it is refused (this part holds)...
  f.dist.endLoading(KIOSK);
  await expect(f.dist.startLoading(KIOSK, COURIER.code)).rejects.toMatchObject({
    code: "QH_LOCKER_CODE_WRONG",
  });
  expect(f.port.pulseCount(ref("A01"))).toBe(1);

  // ...but a session opened before the sync goes on: sign in, then the sync, then the take-back
  await command(f, "courier.codes.set", { couriers: [{ id: COURIER.id, code: COURIER.code }] });
  await f.dist.startLoading(KIOSK, COURIER.code);
  await command(f, "courier.codes.set", {
    couriers: [{ id: COURIER.id, code: COURIER.code, roles: ["courier"] }],
  });
  await expect(f.dist.retrieve(KIOSK, "B1")).rejects.toMatchObject({ code: "QH_DIST_SESSION" });
  await f.port.settle();
  expect(f.port.pulseCount(ref("A01"))).toBe(1); // the load pulse only
});
