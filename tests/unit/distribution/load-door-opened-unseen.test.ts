/**
 * A load pulse pending while the gateway is down: the volunteer's door opens anyway, the bundle
 * goes in, the door shuts, all unseen. After the restart the presence sensor sees the bundle: it
 * is loaded (distribution.loaded), not a jam, and the compartment is never offered as free with
 * something inside (to a bundle or a parcel). Without a presence sensor the jam rule stays.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DistributionService } from "../../../src/domain/distribution/service.js";
import { COURIER, depositParcel, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture } from "./fixture.js";

const A01 = ref("A01");

/** The load pulse for B1 goes to A01 but its door does not open while the gateway runs. */
async function pulsedThenDown(f: DistFixture): Promise<void> {
  await f.run("distribution.load", {
    roundId: "r1",
    bundles: [{ bundleId: "B1", household: "h1", code: "920001" }],
  });
  await f.dist.startLoading(KIOSK, COURIER.code);
  f.port.jam(A01);
  const v = await f.dist.scanLabel(KIOSK, "B1");
  expect(v).toMatchObject({ step: "opening", compartment: "A01" });
  await f.port.settle();
  await f.dist.stop();
  await f.shutdown();
}

/** While the gateway is down the door opens, the bundle goes in, the door shuts. */
async function loadedUnseen(f: DistFixture): Promise<void> {
  (f.port as unknown as { listener: unknown }).listener = undefined; // nobody is listening
  f.port.unjam(A01);
  await f.port.pullOpen(A01);
  await f.port.putParcel(A01);
  await f.port.close(A01);
}

function newDist(f: DistFixture): DistributionService {
  return new DistributionService({
    holds: f.svc.holds,
    mode: f.mode,
    siteDevice: "gw-test",
    clock: f.clock,
    sweepIntervalMs: 0,
  });
}

describe("a load pulse whose door opened unseen", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("is the load done when the first poll after the restart sees the bundle, even before the rounds are back", async () => {
    f = await distFixture();
    await pulsedThenDown(f);
    await loadedUnseen(f);
    await f.restart(); // the locker polls every door at start, before the rounds are back
    f.dist = newDist(f);
    await f.dist.start();
    await f.port.poll([A01]);
    await f.port.settle();
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
    expect(f.dist.bundleState("B1")).toBe("loaded");
    expect(f.sink.events("door.jammed")).toEqual([]);
    expect(f.sink.events("distribution.loaded").map((e) => e.data)).toEqual([
      expect.objectContaining({ bundleId: "B1", compartment: "A01", household: "h1" }),
    ]);
    expect(f.svc.compartment(A01)).toMatchObject({ state: "occupied", present: true, reason: null });
    // the resident collects it with the code
    await expect(f.svc.pickup(KIOSK, "920001")).resolves.toMatchObject({
      kind: "bundle",
      compartment: "A01",
    });
  });

  it("is the load done at once when the door opened and shut between two reads", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: "h1", code: "920001" }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    f.port.jam(A01);
    await f.dist.scanLabel(KIOSK, "B1");
    await f.port.settle();
    // the board's reports of the opening and the closing are lost; the next read sees the bundle
    const port = f.port as unknown as { listener: unknown };
    const listener = port.listener;
    await loadedUnseen(f);
    port.listener = listener;
    await f.port.poll([A01]);
    await f.port.settle();
    expect(f.dist.bundleState("B1")).toBe("loaded");
    expect(f.dist.loadingSession(KIOSK)).toMatchObject({
      step: "scan",
      loaded: 1,
      last: { outcome: "loaded", bundleId: "B1" },
    });
    f.clock.advance(11_000);
    await f.svc.sweep();
    expect(f.sink.events("door.jammed")).toEqual([]);
    expect(f.sink.events("distribution.loaded")).toHaveLength(1);
    expect(f.svc.compartment(A01)).toMatchObject({ state: "occupied", present: true, reason: null });
  });

  it("without a presence sensor it is still a jam (the documented rule)", async () => {
    f = await distFixture({
      layout: [
        {
          device: "locker-a",
          compartments: [
            { id: "A01", size: "S", zone: "ambient", sensors: { door: true, presence: false }, board: 0 },
            { id: "A02", size: "S", zone: "ambient", sensors: { door: true, presence: false }, board: 0 },
          ],
        },
      ],
    });
    await pulsedThenDown(f);
    await loadedUnseen(f);
    await f.restart();
    f.dist = newDist(f);
    await f.dist.start();
    await f.port.poll([A01]);
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
    expect(f.dist.bundleState("B1")).toBe("pending");
    expect(f.sink.events("door.jammed").map((e) => e.data.purpose)).toEqual(["load"]);
  });

  it("a free compartment whose sensor sees something inside is offered to no parcel and no bundle", async () => {
    f = await distFixture();
    // something was left in A01 through a forced door: free to the locker, but not empty
    await f.port.pullOpen(A01);
    await f.port.putParcel(A01);
    await f.port.close(A01);
    await f.port.settle();
    expect(f.svc.compartment(A01)).toMatchObject({ state: "free", present: true });
    const { at } = await depositParcel(f, { barcode: "PKG-1", size: "S" });
    expect(at.compartment).toBe("A02");
    f.svc.endDeposit(KIOSK);
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: "h1", code: "920001", size: "S" }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    const v = await f.dist.scanLabel(KIOSK, "B1");
    expect(v.compartment).toBe("A03");
  });
});
