/**
 * Issue 11 (#1 of the fix bundle): a bundle is taken back out of its compartment by a signed-in
 * volunteer (unclaimed after its round closed), or through the platform's locker.open; the door
 * shut with the compartment seen empty makes it `retrieved` (distribution.retrieved, checked
 * against its contract schema), frees the compartment and voids the resident's code; a door shut
 * with the bundle still inside leaves it there; the volunteer's door is pulsed once, never blindly
 * again; a bundle of an open round that is not recalled is not the volunteer's to take.
 */
import { afterEach, describe, expect, it } from "vitest";
import { contractValidators } from "../../helpers/contract.js";
import { COURIER, command, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn, takeOut } from "./fixture.js";

const LAYOUT = [
  {
    device: "locker-a",
    compartments: [
      { id: "A01", size: "S" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A02", size: "S" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
    ],
  },
];

async function loadedRound(): Promise<DistFixture> {
  const f = await distFixture({ layout: LAYOUT });
  await f.run("distribution.load", {
    roundId: "r1",
    bundles: [
      { bundleId: "B1", household: "h-1", code: "910001" },
      { bundleId: "B2", household: "h-2", code: "910002" },
    ],
  });
  await f.dist.startLoading(KIOSK, COURIER.code);
  await f.dist.scanLabel(KIOSK, "B1");
  await putIn(f, "A01");
  await f.dist.scanLabel(KIOSK, "B2");
  await putIn(f, "A02");
  return f;
}

describe("a bundle taken back out of the lockers", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("by a volunteer once its round closed: retrieved, the compartment free, the code void", async () => {
    f = await loadedRound();
    // still in an open round, not recalled: its resident's, not the volunteer's
    await expect(f.dist.retrieve(KIOSK, "B1")).rejects.toMatchObject({ code: "QH_DIST_NOT_RETRIEVABLE" });
    expect(f.port.pulseCount(ref("A01"))).toBe(1); // the load pulse only

    f.mode.set("normal"); // the round closes (mode_normal), the volunteer's session ends
    await f.port.settle();
    await expect(f.dist.retrieve(KIOSK, "B1")).rejects.toMatchObject({ code: "QH_DIST_SESSION" });
    // outside emergency mode a volunteer signs in while a bundle is there to take back
    expect(await f.dist.startLoading(KIOSK, COURIER.code)).toMatchObject({ volunteer: COURIER.id });
    expect(f.dist.toRetrieve().map((b) => [b.bundleId, b.reason])).toEqual([
      ["B1", "unclaimed"],
      ["B2", "unclaimed"],
    ]);

    const r = await f.dist.retrieve(KIOSK, "B1");
    expect(r).toMatchObject({ bundleId: "B1", device: "locker-a", compartment: "A01", reason: "unclaimed" });
    await f.port.settle();
    expect(f.port.isOpen(ref("A01"))).toBe(true);
    expect(f.dist.bundleState("B1")).toBe("retrieving");
    // the door is open: no second pulse for it
    await expect(f.dist.retrieve(KIOSK, "B1")).rejects.toMatchObject({ code: "QH_LOCKER_BUSY" });
    expect(f.port.pulseCount(ref("A01"))).toBe(2);
    // the resident's code opens nothing while it is being taken out
    await expect(f.svc.pickup(KIOSK, "910001")).rejects.toMatchObject({ code: "QH_LOCKER_BUSY" });

    await takeOut(f, "A01");
    expect(f.dist.bundleState("B1")).toBe("retrieved");
    const ev = f.sink.events("distribution.retrieved");
    expect(ev).toHaveLength(1);
    expect(ev[0]?.device).toBe("locker-a");
    expect(ev[0]?.data).toEqual({
      roundId: "r1",
      bundleId: "B1",
      household: "h-1",
      device: "locker-a",
      compartment: "A01",
      reason: "unclaimed",
      by: COURIER.id,
      terminal: KIOSK,
    });
    const validate = contractValidators().get("event.distribution.retrieved");
    expect(validate?.(ev[0]?.data), JSON.stringify(validate?.errors)).toBe(true);
    // the compartment is the locker's again
    expect(f.svc.availability(KIOSK)).toEqual({ S: 1 });
    expect(f.dist.round("r1")).toMatchObject({ counts: { total: 2, retrieved: 1, unclaimed: 1, loaded: 1 } });
    // the resident's code: a clear error, no door
    await expect(f.svc.pickup(KIOSK, "910001")).rejects.toMatchObject({ code: "QH_DIST_RETRIEVED" });
    expect(f.port.pulseCount(ref("A01"))).toBe(2);
    await expect(f.dist.retrieve(KIOSK, "B1")).rejects.toMatchObject({ code: "QH_DIST_CONFLICT" });
  });

  it("a door shut with the bundle still inside leaves it there, collectable", async () => {
    f = await loadedRound();
    f.mode.set("normal");
    await f.port.settle();
    await f.dist.startLoading(KIOSK, COURIER.code);
    await f.dist.retrieve(KIOSK, "B2");
    await f.port.settle();
    expect(f.dist.bundleState("B2")).toBe("retrieving");
    await f.port.close(ref("A02")); // shut again, the bundle still seen inside
    await f.port.settle();
    expect(f.dist.bundleState("B2")).toBe("loaded");
    expect(f.sink.events("distribution.retrieved")).toHaveLength(0);
    expect(f.svc.availability(KIOSK)).toEqual({});
    // its resident can still collect it (the round is closed: at any time)
    expect(await f.svc.pickup(KIOSK, "910002")).toMatchObject({ bundleId: "B2", compartment: "A02" });
    await takeOut(f, "A02");
    expect(f.dist.bundleState("B2")).toBe("collected");
  });

  it("through the platform's locker.open while the round is open: reason remote_open, by platform", async () => {
    f = await loadedRound();
    await command(f, "locker.open", { device: "locker-a", compartment: "A02", reason: "damaged bundle" });
    await f.port.settle();
    expect(f.dist.bundleState("B2")).toBe("retrieving");
    await takeOut(f, "A02");
    expect(f.sink.events("distribution.retrieved")[0]?.data).toMatchObject({
      bundleId: "B2",
      reason: "remote_open",
      by: "platform",
      terminal: null,
    });
    expect(f.dist.round("r1")).toMatchObject({ counts: { retrieved: 1, loaded: 1, unclaimed: 0 } });
    await expect(f.svc.pickup(KIOSK, "910002")).rejects.toMatchObject({ code: "QH_DIST_RETRIEVED" });
    // closing the round: the retrieved bundle is not listed unclaimed
    expect(await f.run("distribution.close", { roundId: "r1" })).toMatchObject({ unclaimed: 1 });
    expect(f.sink.events("distribution.unclaimed")[0]?.data).toMatchObject({
      count: 1,
      bundles: [{ bundleId: "B1", inLocker: true }],
      counts: { total: 2, retrieved: 1, unclaimed: 1 },
    });
  });
});
