/**
 * A new user's review of issue 11: `distribution.load` names every problem at once (args and
 * store alike), and a round's counts mean the same in the close answer, `distribution.unclaimed`,
 * `distribution.progress` and `GET /distribution/rounds/{id}` (docs/emergency.md "Counts").
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, KIOSK } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn } from "./fixture.js";

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

const ONE_S = [
  {
    device: "locker-a",
    compartments: [
      { id: "A01", size: "S" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
    ],
  },
];

describe("a round's counts mean the same everywhere", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  async function loadThree(): Promise<void> {
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [
        { bundleId: "B1", household: H(1), code: "610001" },
        { bundleId: "B2", household: H(2), code: "610002" },
        { bundleId: "B3", household: H(3), code: "610003" },
      ],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, "A01");
    await f.dist.scanLabel(KIOSK, "B2"); // no free compartment: it waits
  }

  it("progress: toLoad is every bundle not loaded yet, the waiting ones included", async () => {
    f = await distFixture({ layout: ONE_S });
    await loadThree();
    expect(f.dist.round("r1").counts).toEqual({
      total: 3,
      pending: 1,
      waiting: 1,
      loaded: 1,
      collected: 0,
      unclaimed: 0,
      retrieved: 0,
    });
    await f.dist.sweep();
    expect(f.sink.events("distribution.progress").at(-1)?.data).toMatchObject({
      loaded: 1,
      waiting: 1,
      toLoad: 2,
      total: 3,
    });
  });

  it("close: its unclaimed, the event's count and counts.unclaimed agree; closedAt is the stored time", async () => {
    f = await distFixture({ layout: ONE_S });
    await loadThree();
    // a clock that moves on every reading: the answer must give the time stored, not a later one
    const read = f.clock.now.bind(f.clock);
    f.clock.now = () => {
      f.clock.advance(1);
      return read();
    };
    const closed = await f.run("distribution.close", { roundId: "r1" });
    expect(closed).toMatchObject({ alreadyClosed: false, unclaimed: 3, counts: { unclaimed: 3, loaded: 1 } });
    const ev = f.sink.events("distribution.unclaimed")[0]?.data as {
      count: number;
      counts: { unclaimed: number };
    };
    expect(ev.count).toBe(3);
    expect(ev.counts.unclaimed).toBe(3);
    const again = await f.run("distribution.close", { roundId: "r1" });
    expect(again).toMatchObject({ alreadyClosed: true, unclaimed: 3, closedAt: closed.closedAt });
    expect(f.dist.round("r1").closedAt).toBe(closed.closedAt);
  });

  it("leaving emergency with bundles inside: the event's count is counts.unclaimed", async () => {
    f = await distFixture({ layout: ONE_S });
    await loadThree();
    f.mode.set("normal");
    await f.port.settle();
    await new Promise((r) => setTimeout(r, 20));
    const ev = f.sink.events("distribution.unclaimed")[0]?.data as {
      count: number;
      counts: { unclaimed: number };
    };
    expect(ev).toMatchObject({ reason: "mode_normal", count: 3 });
    expect(ev.counts.unclaimed).toBe(ev.count);
    expect(f.dist.round("r1").counts).toMatchObject({ unclaimed: 3, loaded: 1 });
  });
});

describe("which bundle is behind which door", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("the compartments listing names the holder's item, also after the round closed", async () => {
    f = await distFixture({ layout: ONE_S });
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: H(1), code: "510001" }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, "A01");
    await f.run("distribution.close", { roundId: "r1" });
    expect(f.svc.compartments("locker-a")[0]).toMatchObject({
      compartment: "A01",
      state: "occupied",
      parcelId: null,
      holder: { owner: "distribution", item: "B1" },
    });
    expect(f.dist.bundles("r1")).toEqual([
      expect.objectContaining({
        bundleId: "B1",
        household: H(1),
        state: "loaded",
        device: "locker-a",
        compartment: "A01",
      }),
    ]);
    expect(JSON.stringify(f.dist.bundles("r1"))).not.toContain("510001");
    expect(() => f.dist.bundles("nope")).toThrow(expect.objectContaining({ code: "QH_DIST_ROUND_UNKNOWN" }));
  });
});
