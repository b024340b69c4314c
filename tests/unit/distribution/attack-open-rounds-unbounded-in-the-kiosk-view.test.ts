/**
 * Attack (issue 11, review 2): many rounds. `distribution.load` caps a command (2,000 bundles) and
 * a round (20,000), but not how many rounds are open at once: every new `roundId` opens one more,
 * until the site leaves emergency mode. A platform script that opens a round per household (or a
 * retry loop minting round ids) leaves thousands open, and the public kiosk's poll
 * (`GET /api/v1/kiosk/{t}/distribution`, several times a minute per screen) answers every open
 * round with its counts, one GROUP BY per round per poll (`rounds`), while the same view caps
 * `queue` and `retrieve` at 100; the sweep also sends a `distribution.progress` per open round
 * that changed, each minute.
 *
 * What should happen: the number of open rounds is bounded: either `distribution.load` refuses a
 * new round past a documented limit of open rounds (QH_COMMAND_INVALID naming `args.roundId`), or
 * the kiosk view lists at most as many rounds as it lists queued bundles (100, with a total).
 *
 * Cause: src/domain/distribution/rounds.ts `RoundDesk.load` (no open-round limit; only
 * MAX_BUNDLES_PER_ROUND, src/domain/distribution/load-args.ts) and
 * src/domain/distribution/service.ts `openRounds()` (no cap; used by src/api/distribution.ts for
 * the kiosk's view).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type DistFixture, distFixture } from "./fixture.js";

const ROUNDS = 150;

describe("attack: many open rounds", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("attack: of 150 rounds of one bundle each, those past the open-round limit are refused", async () => {
    f = await distFixture();
    let refused = 0;
    for (let i = 0; i < ROUNDS; i++) {
      await f
        .run("distribution.load", {
          roundId: `r-${i}`,
          bundles: [{ bundleId: `B-${i}`, household: `h-${i}`, code: String(91_000_000 + i) }],
        })
        .catch((e: { code?: string }) => {
          expect(e.code).toBe("QH_COMMAND_INVALID");
          refused++;
        });
    }
    // the kiosk view's rounds, as src/api/distribution.ts serves them on every poll
    const listed = f.dist.openRounds().length;
    expect(
      refused > 0 || listed <= 100,
      `${listed} open rounds on the kiosk's view, ${refused} refused`,
    ).toBe(true);
    expect(listed).toBeLessThanOrEqual(100);
  });
});
