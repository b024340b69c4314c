/**
 * A round closes (distribution.close, or emergency mode left) while a bundle's load pulse waits
 * for its door, and the door jams: the bundle is `unclaimed` (distribution.unclaimed, reason
 * not_loaded), no other door is pulsed for it, the volunteer's screen says the round closed, and
 * its code opens nothing; its own household's bundle of a new round may have it again, but never a
 * parcel (a reservation is refused: the household keeps the slip).
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, command, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture } from "./fixture.js";

const A01 = ref("A01");

describe("a round closed while a load pulse is pending", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  async function pulsePending(): Promise<void> {
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [
        { bundleId: "B1", household: "h1", code: "410001" },
        { bundleId: "B2", household: "h2", code: "410002" },
      ],
    });
    f.port.jam(A01);
    await f.dist.startLoading(KIOSK, COURIER.code);
    expect(await f.dist.scanLabel(KIOSK, "B1")).toMatchObject({ step: "opening", compartment: "A01" });
  }

  async function jamNow(): Promise<void> {
    await f.port.settle();
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
  }

  it("by distribution.close: the jam leaves it unclaimed, no other door is pulsed, its code opens nothing", async () => {
    f = await distFixture();
    await pulsePending();
    const closed = await f.run("distribution.close", { roundId: "r1" });
    expect(closed).toMatchObject({ unclaimed: 2 });
    await jamNow();
    expect(f.dist.bundleState("B1")).toBe("unclaimed");
    expect(f.port.pulses).toEqual([A01]);
    expect(f.dist.loadingSession(KIOSK)).toMatchObject({
      step: "scan",
      last: { outcome: "round_closed", bundleId: "B1" },
    });
    expect(f.dist.round("r1")).toMatchObject({ counts: { total: 2, unclaimed: 2, loaded: 0 } });
    const unclaimed = f.sink.events("distribution.unclaimed").map((e) => e.data);
    expect(unclaimed.at(-1)).toMatchObject({
      reason: "not_loaded",
      bundles: [{ bundleId: "B1", inLocker: false }],
    });
    // the label of a closed round is refused; the code is no bundle's any more
    await expect(f.dist.scanLabel(KIOSK, "B1")).rejects.toMatchObject({ code: "QH_DIST_ROUND_CLOSED" });
    await expect(f.svc.pickup(KIOSK, "410001")).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
    await expect(
      f.run("distribution.load", {
        roundId: "r2",
        bundles: [{ bundleId: "B9", household: "h1", code: "410001" }],
      }),
    ).resolves.toMatchObject({ added: 1 });
    const deadline = new Date(f.clock.now() + 86_400_000).toISOString();
    await expect(
      command(f, "locker.reserve", { orderId: "o-1", size: "S", pickupCode: "410002", deadline }),
    ).rejects.toMatchObject({ code: "QH_LOCKER_CODE_IN_USE" });
  });

  it("by leaving emergency mode: the same, and the code serves a round of the next emergency", async () => {
    f = await distFixture();
    await pulsePending();
    f.mode.set("normal");
    await f.dist.leaveEmergency(); // idempotent: the listener closed the round already (or does now)
    await jamNow();
    expect(f.dist.bundleState("B1")).toBe("unclaimed");
    expect(f.port.pulses).toEqual([A01]);
    expect(f.dist.round("r1")).toMatchObject({ state: "closed", counts: { unclaimed: 2 } });
    expect(f.sink.events("distribution.unclaimed").at(-1)?.data).toMatchObject({ reason: "not_loaded" });
    f.mode.set("emergency");
    await expect(
      f.run("distribution.load", {
        roundId: "r2",
        bundles: [{ bundleId: "B9", household: "h1", code: "410001" }],
      }),
    ).resolves.toMatchObject({ added: 1 });
  });
});
