/**
 * Attack (issue 11, review 2): a time that names a day the calendar does not have (30 February,
 * 31 April, hour 24) is silently read as another day, where it should be refused.
 *
 * `site.mode { until: "2027-02-30T08:00:00+08:00" }` ends the emergency on 2 March, and a bundle
 * slot `{ from: "2027-04-31T08:00:00+08:00", … }` tells residents to come on 1 May: JavaScript's
 * `Date.parse` rolls an impossible day over into the next month instead of failing, and both
 * checks only test the text's shape. The platform's mistake (a calendar bug, a hand-typed date)
 * is not a coded refusal but a different time, acted on: rationing lifted on the wrong day,
 * residents sent to the lockers on the wrong day.
 *
 * What should happen: QH_COMMAND_INVALID naming the argument (`args.until: …`,
 * `args.bundles[0].slot: …`), as for a month 13 (which `Date.parse` does refuse).
 *
 * Cause: src/domain/site/mode.ts `parseModeArgs` (ISO_RE + `Date.parse`) and
 * src/domain/distribution/load-args.ts `time()` (the same), neither checks that the parsed
 * time writes back as the same calendar day and hour.
 */
import { describe, expect, it } from "vitest";
import { readLoad } from "../../../src/domain/distribution/load-args.js";
import { parseModeArgs } from "../../../src/domain/site/mode.js";

const NOW = Date.parse("2026-12-01T00:00:00Z");

describe("attack: impossible calendar days in site.mode and distribution.load", () => {
  it("attack: site.mode until 30 February is refused, not taken as 2 March", () => {
    let refused: unknown;
    try {
      const a = parseModeArgs(
        { mode: "emergency", reason: "flood", until: "2027-02-30T08:00:00+08:00" },
        NOW,
      );
      expect.soft(a.until).toBe("2027-03-02T00:00:00.000Z"); // what it is read as
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({ code: "QH_COMMAND_INVALID" });
  });

  it("attack: a bundle slot on 31 April is refused, not taken as 1 May", () => {
    const { input, problems } = readLoad(
      {
        roundId: "r1",
        bundles: [
          {
            bundleId: "B1",
            household: "h-1",
            code: "91000001",
            slot: { from: "2027-04-31T08:00:00+08:00", to: "2027-04-31T10:00:00+08:00" },
          },
        ],
      },
      6,
    );
    // today: read as 1 May, 08:00 +08:00, no problem named
    if (problems.length === 0)
      expect.soft(input.bundles[0]?.slot?.from).toBe(Date.parse("2027-05-01T00:00:00Z"));
    expect(problems.join("; ")).toMatch(/args\.bundles\[0\]\.slot/);
  });
});
