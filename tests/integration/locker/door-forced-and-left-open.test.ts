/**
 * A free compartment's door is pried open (no pulse asked for it): door.opened with expected=false
 * and door.forced. Left open past locker.doorLeftOpenSeconds: door.left_open, once for the opening.
 * An open door is not offered to couriers. Offline; the alarms reach the platform when the uplink
 * returns. A pulse opens a latch once: a door pried open after the opening it asked for has been
 * shut again is forced too, however soon after the pulse.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { LOCKER, type LockerSite, startLockerSite } from "./support.js";

describe("a door forced open and left open", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("raises door.forced, then door.left_open once, and both reach the platform later", async () => {
    site = await startLockerSite({ uplinkDown: true, locker: { doorLeftOpenSeconds: 5 } });
    const s = site;
    // the first poll has read every door (closed: no news)
    await waitUntil(async () => (await s.compartments()).every((c) => c.doorOpen === false), 20_000, "read");
    const forcedAt = Date.now();

    expect(await s.sim(LOCKER, "A03", "force-open")).toMatchObject({ open: true });
    await waitUntil(async () => (await s.compartment(LOCKER, "A03")).doorOpen === true, 20_000, "seen open");
    expect(await s.compartment(LOCKER, "A03")).toMatchObject({ state: "free", doorOpen: true });
    // an open door is not offered for a deposit
    expect((await s.kiosk<{ available: Record<string, number> }>("availability")).body.available.S).toBe(5);
    await s.expectPending(["door.opened", "door.forced"]);

    await waitUntil(() => s.gw.forwarder.pendingCount === 3, 30_000, "left-open alarm");
    expect(s.pendingTypes()).toEqual(["door.opened", "door.forced", "door.left_open"]);
    await s.sim(LOCKER, "A03", "close");
    await s.expectPending(["door.opened", "door.forced", "door.left_open", "door.closed"]);
    expect((await s.kiosk<{ available: Record<string, number> }>("availability")).body.available.S).toBe(6);

    await s.startUplink();
    const got = await s.expectAllDelivered();
    expect(got.map((e) => e.type)).toEqual(["door.opened", "door.forced", "door.left_open", "door.closed"]);
    const [opened, forced, leftOpen, closed] = got;
    expect(opened).toMatchObject({
      device: LOCKER,
      data: { device: LOCKER, compartment: "A03", expected: false, purpose: null },
    });
    expect(opened!.data.initial).toBeUndefined();
    expect(opened!.data.parcelId).toBeUndefined();
    expect(forced).toMatchObject({ device: LOCKER, data: { device: LOCKER, compartment: "A03" } });
    expect(leftOpen).toMatchObject({ device: LOCKER, data: { device: LOCKER, compartment: "A03" } });
    expect(leftOpen!.data.openSeconds).toBeGreaterThanOrEqual(5);
    expect(Date.parse(leftOpen!.data.openSince as string)).toBeGreaterThanOrEqual(forcedAt);
    expect(closed).toMatchObject({ data: { compartment: "A03" } });
    expect(closed!.data.openSeconds).toBeGreaterThanOrEqual(5);
  });

  it("reports door.forced for a door pried open right after a deposit shut it", async () => {
    // a long open timeout: the second opening is sure to fall inside the deposit pulse's window
    site = await startLockerSite({ locker: { doorOpenTimeoutSeconds: 120 } });
    const s = site;
    const { parcelId, compartment } = await s.depositParcel("PKG-FORCED-1", "M");
    await s.waitForEvent("parcel.deposited", (e) => e.data.parcelId === parcelId);

    // the courier has gone; someone pries the door open and takes the parcel
    await s.sim(LOCKER, compartment, "force-open");
    await waitUntil(() => s.eventsOfType("door.opened").length === 2, 20_000, "second opening");
    await s.sim(LOCKER, compartment, "close");
    await waitUntil(() => s.eventsOfType("door.closed").length === 2, 20_000, "second close");
    const got = await s.expectAllDelivered();
    const second = got.filter((e) => e.type === "door.opened")[1]!;
    expect(second.data).toMatchObject({ compartment, parcelId, expected: false, purpose: null });
    expect(got.map((e) => e.type)).toEqual([
      "door.opened",
      "door.closed",
      "parcel.deposited",
      "door.opened",
      "door.forced",
      "door.closed",
    ]);
  });
});
