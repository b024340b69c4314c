/**
 * The per-terminal lockout counts wrong codes; a right code that opens a door resets it. A
 * resident's own bundle code that opens nothing (the bundle not loaded yet, outside its slot, at
 * a terminal of another locker) must not reset it: otherwise one known code lets anyone guess
 * other codes at that terminal forever, four at a time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, KIOSK } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn } from "./fixture.js";

describe("a bundle code that opens nothing does not reset the lockout", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  async function guess(n: number, from: number): Promise<string[]> {
    const codes: string[] = [];
    for (let i = 0; i < n; i++)
      await f.svc.pickup(KIOSK, String(from + i)).catch((e: { code: string }) => codes.push(e.code));
    return codes;
  }

  it("a bundle not loaded yet: four wrong codes, the own code, a fifth wrong code: locked out", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: "h1", code: "410001" }],
    });
    expect(await guess(4, 900000)).toEqual(Array(4).fill("QH_LOCKER_CODE_WRONG"));
    await expect(f.svc.pickup(KIOSK, "410001")).rejects.toMatchObject({ code: "QH_DIST_NOT_LOADED" });
    // the fifth wrong code locks the terminal (the own code did not reset the count)
    await expect(f.svc.pickup(KIOSK, "900010")).rejects.toMatchObject({ code: "QH_LOCKER_LOCKED_OUT" });
    expect(f.sink.events("kiosk.locked_out")).toHaveLength(1);
    await expect(f.svc.pickup(KIOSK, "410001")).rejects.toMatchObject({ code: "QH_LOCKER_LOCKED_OUT" });
  });

  it("outside the bundle's slot likewise; within it the door opens and the count starts again", async () => {
    f = await distFixture();
    const now = f.clock.now();
    const slot = {
      from: new Date(now + 3_600_000).toISOString(),
      to: new Date(now + 7_200_000).toISOString(),
    };
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: "h1", code: "410001", slot }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    const v = await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, v.compartment as string);
    f.dist.endLoading(KIOSK);
    expect(await guess(3, 900000)).toEqual(Array(3).fill("QH_LOCKER_CODE_WRONG"));
    await expect(f.svc.pickup(KIOSK, "410001")).rejects.toMatchObject({ code: "QH_DIST_OUTSIDE_SLOT" });
    await expect(f.svc.pickup(KIOSK, "900010")).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
      details: { attemptsLeft: 1 },
    });
    // within the slot: the door is pulsed, the count is reset
    f.clock.advance(3_600_000);
    await expect(f.svc.pickup(KIOSK, "410001")).resolves.toMatchObject({ kind: "bundle", door: "pulsed" });
    await expect(f.svc.pickup(KIOSK, "900020")).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
      details: { attemptsLeft: 4 },
    });
    expect(f.sink.events("kiosk.locked_out")).toEqual([]);
  });
});
