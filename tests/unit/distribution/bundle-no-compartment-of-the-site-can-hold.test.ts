/**
 * New-user review of issue 11. On the demo (cold-a: six chilled C01-C06 and six frozen F01-F06,
 * none of them XL) the platform loaded a frozen XL bundle; `distribution.load` took it, and the
 * volunteer's label put it "in the queue": "暂无合适的空格口，物资包 F-1 已排队。有格口清空后请再次
 * 扫描。" (no suitable free compartment now; scan again once one is emptied). No compartment of the
 * site can ever take it, so the volunteer waits for a compartment that will never come, and the
 * platform learns it only at the close (`distribution.unclaimed`, never loaded). A serious user
 * expects to be told at once: the command naming the bundle, or the label saying no compartment of
 * this site fits it (so it is handed out another way).
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, KIOSK } from "../locker/fixture.js";
import { type DistFixture, distFixture } from "./fixture.js";

describe("new user: a bundle no compartment of the site can hold", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  // new user: a bundle bigger than every compartment of the site is accepted and queued as if a
  // compartment could come free. Fixed when this fails.
  it("is named by distribution.load, or told apart from a bundle waiting for a door", async () => {
    f = await distFixture({
      layout: [
        {
          device: "locker-a",
          compartments: [
            { id: "A01", size: "S", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
            { id: "A02", size: "M", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
          ],
        },
      ],
    });
    let loadError: unknown;
    try {
      await f.run("distribution.load", {
        roundId: "r1",
        bundles: [{ bundleId: "B-XL", household: "h-1", code: "910001", size: "XL" }],
      });
    } catch (err) {
      loadError = err;
    }
    if (loadError !== undefined) {
      expect(String((loadError as Error).message)).toMatch(/bundles\[0\]/);
      // the whole command is refused, naming every problem at once (here with a bad code)
      await expect(
        f.run("distribution.load", {
          roundId: "r1",
          bundles: [
            { bundleId: "B-S", household: "h-2", code: "12" },
            { bundleId: "B-XL", household: "h-1", code: "910001", size: "XL" },
            { bundleId: "B-F", household: "h-3", code: "910003", zone: "frozen" },
          ],
        }),
      ).rejects.toMatchObject({
        code: "QH_COMMAND_INVALID",
        message: expect.stringMatching(
          /bundles\[0\]\.code.*bundles\[1\]: bundle B-XL \(ambient, XL\) fits no compartment of this site: the ambient compartments of this site are at most M.*bundles\[2\]: bundle B-F \(frozen, XS\) fits no compartment of this site: no frozen compartment/,
        ),
      });
      expect(f.dist.bundleState("B-S")).toBeUndefined(); // nothing of it stored
      return;
    }
    await f.dist.startLoading(KIOSK, COURIER.code);
    const v = await f.dist.scanLabel(KIOSK, "B-XL");
    expect(v, "not the plain queue, which promises a door once one is emptied").not.toMatchObject({
      last: { outcome: "queued" },
    });
  });

  it("a bundle accepted before the site changed: its label says no door fits it, not the queue", async () => {
    f = await distFixture({
      layout: [
        {
          device: "locker-a",
          compartments: [
            { id: "A01", size: "S", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
          ],
        },
      ],
    });
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: "h-1", code: "910001" }],
    });
    // the compartment is now in a chilled cold zone (config changed): no ambient door is left
    f.svc.setGate({ zoneOf: () => "cold-1", refusal: () => undefined });
    await f.dist.startLoading(KIOSK, COURIER.code);
    await expect(f.dist.scanLabel(KIOSK, "B1")).rejects.toMatchObject({
      code: "QH_DIST_NO_COMPARTMENT_FITS",
      message: expect.stringContaining("no ambient compartment"),
    });
    expect(f.dist.queue()).toEqual([]);
    expect(f.dist.bundleState("B1")).toBe("pending");
    expect(f.port.pulses).toEqual([]);
  });
});
