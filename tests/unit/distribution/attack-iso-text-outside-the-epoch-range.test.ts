/**
 * Issue 11 (attacker review 3): ISO 8601 text escapes the range the epoch form is held to.
 *
 * Attack: `distribution.load` refuses a slot given in epoch ms outside 2000-9999
 * (src/core/iso-time.ts MIN_EPOCH_MS, MAX_EPOCH_MS: "the last instant ISO 8601 text of 4-digit
 * years holds"), yet the same instants written as text pass: `1970-01-01T00:00:00Z` (epoch 0, the
 * value the epoch check exists to catch) and `9999-12-31T23:59:59-14:00` (past MAX_EPOCH_MS: the
 * gateway then writes it back as `+010000-01-01T13:59:59.000Z`, an expanded year that no RFC 3339
 * `date-time` reader of the platform's accepts, in the round's events and the kiosk's view).
 *
 * What should happen: one range for both forms; text naming an instant outside
 * [MIN_EPOCH_MS, MAX_EPOCH_MS] is a problem of the command (`args.bundles[i].slot: …`).
 *
 * Cause: src/core/iso-time.ts `parseInstant` checks the range for a number only; `parseIsoTime`
 * returns any instant `Date.parse` gives for a real calendar date.
 */
import { expect, it } from "vitest";
import { readLoad } from "../../../src/domain/distribution/load-args.js";

const bundle = (slot: { from: unknown; to: unknown }) => ({
  roundId: "r1",
  bundles: [{ bundleId: "B1", household: "h-1", code: "910001", slot }],
});

it("attack: slot times as ISO text outside 2000-9999 are refused, as epoch ms are", () => {
  // the epoch form is refused (this holds)
  expect(readLoad(bundle({ from: 0, to: 1_900_000_000_000 }), 6).problems.join()).toMatch(/slot/);
  // the same instants as text must be refused too
  expect(
    readLoad(bundle({ from: "1970-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z" }), 6).problems.join(),
  ).toMatch(/slot/);
  expect(
    readLoad(bundle({ from: "2030-01-01T00:00:00Z", to: "9999-12-31T23:59:59-14:00" }), 6).problems.join(),
  ).toMatch(/slot/);
});
