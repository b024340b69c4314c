/**
 * A new user's review of issue 11: `distribution.load` names every problem at once (args and
 * store alike), and a round's counts mean the same in the close answer, `distribution.unclaimed`,
 * `distribution.progress` and `GET /distribution/rounds/{id}` (docs/emergency.md "Counts").
 */
import { afterEach, describe, expect, it } from "vitest";
import { type DistFixture, distFixture } from "./fixture.js";

const H = (n: number) => `household-${n}`;
const T0 = Date.parse("2026-01-01T00:00:00.000Z"); // the ManualClock's start

describe("distribution.load names every problem", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("a shared household and a shared code: both named", async () => {
    f = await distFixture();
    await expect(
      f.run("distribution.load", {
        roundId: "r1",
        bundles: [
          { bundleId: "B1", household: H(1), code: "111111" },
          { bundleId: "B2", household: H(1), code: "111111" },
        ],
      }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: expect.stringMatching(
        /args\.bundles\[1\]\.household: household-1 has bundles\[0\].*args\.bundles\[1\]\.code: the same code as bundles\[0\]/,
      ),
    });
  });

  it("a bad slot and a past closesAt: both named, with what the store finds", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: H(1), code: "111111" }],
    });
    const err = await f
      .run("distribution.load", {
        roundId: "r1",
        closesAt: new Date(T0 - 60_000).toISOString(),
        bundles: [
          {
            bundleId: "B2",
            household: H(2),
            code: "222222",
            slot: {
              from: new Date(T0 + 7_200_000).toISOString(),
              to: new Date(T0 + 3_600_000).toISOString(),
            },
          },
          { bundleId: "B3", household: H(1), code: "333333" },
        ],
      })
      .catch((e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: "QH_COMMAND_INVALID" });
    expect(err.message).toContain("args.bundles[0].slot: to must be after from");
    expect(err.message).toContain("args.closesAt: is in the past");
    expect(err.message).toContain("args.bundles[1].household: household-1 has a bundle in round r1");
    expect(
      (
        await f.run("distribution.load", {
          roundId: "r1",
          bundles: [{ bundleId: "B9", household: H(9), code: "999999" }],
        })
      ).counts,
    ).toMatchObject({ total: 2 });
  });
});
