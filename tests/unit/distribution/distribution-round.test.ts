import { afterEach, describe, expect, it } from "vitest";
import { DistributionService } from "../../../src/domain/distribution/service.js";
import { COURIER, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn, takeOut } from "./fixture.js";

const H = (n: number) => `household-${n}`;
const T0 = Date.parse("2026-01-01T00:00:00.000Z"); // the ManualClock's start

describe("a distribution round through the lockers", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("is refused outside emergency mode, with a code", async () => {
    f = await distFixture({ mode: "normal" });
    await expect(
      f.run("distribution.load", {
        roundId: "r1",
        bundles: [{ bundleId: "B1", household: H(1), code: "111111" }],
      }),
    ).rejects.toMatchObject({ code: "QH_DIST_NOT_EMERGENCY" });
    await expect(f.dist.startLoading(KIOSK, COURIER.code)).rejects.toMatchObject({
      code: "QH_DIST_NOT_EMERGENCY",
    });
  });

  it("takes one bundle per household per round, naming each problem, across loads too", async () => {
    f = await distFixture();
    await expect(
      f.run("distribution.load", {
        roundId: "r1",
        bundles: [
          { bundleId: "B1", household: H(1), code: "111111" },
          { bundleId: "B1", household: H(1), code: "12", zone: "warm" },
        ],
      }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: expect.stringMatching(
        /bundles\[1\]\.bundleId: B1 is also bundles\[0\].*bundles\[1\]\.household: household-1 has bundles\[0\].*bundles\[1\]\.code.*bundles\[1\]\.zone/,
      ),
    });
    const ok = await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: H(1), code: "111111" }],
    });
    expect(ok).toMatchObject({ roundId: "r1", added: 1, counts: { total: 1, pending: 1 } });
    // a second load adds bundles, with the same rules against what the round already has
    await expect(
      f.run("distribution.load", {
        roundId: "r1",
        bundles: [
          { bundleId: "B2", household: H(1), code: "222222" },
          { bundleId: "B1", household: H(3), code: "333333" },
          { bundleId: "B4", household: H(4), code: "111111" },
        ],
      }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: expect.stringMatching(
        /bundles\[0\]\.household: household-1 has a bundle in round r1.*bundles\[1\]\.bundleId: B1 is already in round r1.*bundles\[2\]\.code: used by/,
      ),
    });
    expect(
      await f.run("distribution.load", {
        roundId: "r1",
        bundles: [{ bundleId: "B2", household: H(2), code: "222222" }],
      }),
    ).toMatchObject({
      counts: { total: 2 },
    });
  });

  it("loads, queues what does not fit, reuses an emptied compartment, hands out within the slot", async () => {
    f = await distFixture();
    const slot = { from: new Date(T0 + 3_600_000).toISOString(), to: new Date(T0 + 7_200_000).toISOString() };
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [
        { bundleId: "B-L", household: H(1), code: "410001", size: "L", slot },
        { bundleId: "B-L2", household: H(2), code: "410002", size: "L" },
      ],
    });
    // the volunteer identifies: a wrong code counts toward the lockout
    await expect(f.dist.startLoading(KIOSK, "NOPE99")).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
    });
    expect(await f.dist.startLoading(KIOSK, COURIER.code)).toMatchObject({
      volunteer: COURIER.id,
      step: "scan",
    });
    await expect(f.dist.scanLabel(KIOSK, "NO-SUCH")).rejects.toMatchObject({
      code: "QH_DIST_BUNDLE_UNKNOWN",
    });

    const v = await f.dist.scanLabel(KIOSK, "B-L");
    expect(v).toMatchObject({ step: "opening", bundleId: "B-L", compartment: "A05" }); // the only L
    await putIn(f, "A05");
    expect(f.dist.loadingSession(KIOSK)).toMatchObject({
      step: "scan",
      loaded: 1,
      last: { outcome: "loaded" },
    });
    expect(f.sink.events("distribution.loaded")[0]?.data).toMatchObject({
      roundId: "r1",
      bundleId: "B-L",
      compartment: "A05",
      volunteer: COURIER.id,
      slot,
    });
    // a held compartment is not free to the locker
    expect(f.svc.compartment(ref("A05")).state).toBe("occupied");

    // the second L goes to the XL (larger fits); a third would wait: take the XL away first
    const v2 = await f.dist.scanLabel(KIOSK, "B-L2");
    expect(v2).toMatchObject({ compartment: "A06" });
    await f.port.settle();
    await f.port.close(ref("A06")); // A06 has no presence sensor: a shut door is loaded
    await f.port.settle();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B-XL", household: H(3), code: "410003", size: "XL" }],
    });
    const q = await f.dist.scanLabel(KIOSK, "B-XL");
    expect(q).toMatchObject({ step: "scan", last: { outcome: "queued", bundleId: "B-XL" } });
    expect(f.dist.queue()).toEqual([expect.objectContaining({ bundleId: "B-XL", size: "XL" })]);

    // out of the slot: told when to come; not a wrong code
    await expect(f.svc.pickup(KIOSK, "410001")).rejects.toMatchObject({
      code: "QH_DIST_OUTSIDE_SLOT",
      details: { slot, early: true },
    });
    // a wrong code counts toward the same lockout as pickup codes
    await expect(f.svc.pickup(KIOSK, "999999")).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
      details: { attemptsLeft: 4 },
    });
    f.clock.advance(3_600_000);
    const got = await f.svc.pickup(KIOSK, "410001");
    expect(got).toMatchObject({ bundleId: "B-L", compartment: "A05", door: "pulsed" });
    await takeOut(f, "A05");
    expect(f.sink.events("distribution.collected")[0]?.data).toMatchObject({
      bundleId: "B-L",
      compartment: "A05",
    });
    expect(f.svc.compartment(ref("A05")).state).toBe("free");
    // the code works once
    await expect(f.svc.pickup(KIOSK, "410001")).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });

    // the XL bundle's compartment is emptied by its resident: the queued bundle takes it
    await f.svc.pickup(KIOSK, "410002");
    await f.port.settle();
    await f.port.close(ref("A06"));
    await f.port.settle();
    expect(f.svc.compartment(ref("A06")).state).toBe("free");
    expect(await f.dist.scanLabel(KIOSK, "B-XL")).toMatchObject({ step: "opening", compartment: "A06" });
    expect(f.dist.queue()).toEqual([]);
  });

  it("offers another compartment when the door jams during loading", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B-M", household: H(1), code: "510001", size: "M" }],
    });
    f.port.jam(ref("A03"));
    await f.dist.startLoading(KIOSK, COURIER.code);
    expect(await f.dist.scanLabel(KIOSK, "B-M")).toMatchObject({ compartment: "A03" });
    await f.port.settle();
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
    expect(f.sink.events("door.jammed")[0]?.data).toMatchObject({
      compartment: "A03",
      purpose: "load",
      bundleId: "B-M",
    });
    expect(f.svc.compartment(ref("A03"))).toMatchObject({ state: "out_of_service", reason: "jammed" });
    expect(f.port.pulses).toEqual([ref("A03"), ref("A04")]); // never the jammed one again
    expect(f.dist.loadingSession(KIOSK)).toMatchObject({
      step: "open",
      compartment: "A04",
      last: { outcome: "moved_after_jam", compartment: "A03" },
    });
    await putIn(f, "A04");
    expect(f.sink.events("distribution.loaded")[0]?.data).toMatchObject({ compartment: "A04" });
  });

  it("a loading door that jams after the round closed leaves the bundle unclaimed, and says so", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B-J", household: H(1), code: "530001" }],
    });
    f.port.jam(ref("A01"));
    await f.dist.startLoading(KIOSK, COURIER.code);
    expect(await f.dist.scanLabel(KIOSK, "B-J")).toMatchObject({ compartment: "A01" });
    await f.port.settle();
    // the platform closes the round while the door is being opened
    await f.run("distribution.close", { roundId: "r1" });
    expect(f.sink.events("distribution.unclaimed")[0]?.data).toMatchObject({
      reason: "command",
      bundles: [{ bundleId: "B-J", inLocker: true }],
    });
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
    expect(f.sink.events("door.jammed")[0]?.data).toMatchObject({ compartment: "A01", purpose: "load" });
    // not back in a queue of a closed round: unclaimed, and the platform told it is not inside
    expect(f.dist.bundleState("B-J")).toBe("unclaimed");
    expect(f.sink.events("distribution.unclaimed")[1]?.data).toMatchObject({
      roundId: "r1",
      reason: "not_loaded",
      count: 1,
      bundles: [{ bundleId: "B-J", household: H(1), inLocker: false }],
    });
    expect(f.port.pulses).toEqual([ref("A01")]); // nothing else opened for a closed round
  });

  it("puts a chilled bundle in a chilled compartment only", async () => {
    f = await distFixture({ zones: { A02: "cold-1" } });
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [
        { bundleId: "B-C", household: H(1), code: "610001", zone: "chilled" },
        { bundleId: "B-A", household: H(2), code: "610002" },
      ],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    expect(await f.dist.scanLabel(KIOSK, "B-C")).toMatchObject({ compartment: "A02" });
    await putIn(f, "A02");
    expect(await f.dist.scanLabel(KIOSK, "B-A")).toMatchObject({ compartment: "A01" });
  });

  it("sends progress at most once a minute, and the unclaimed bundles when the round closes", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [
        { bundleId: "B1", household: H(1), code: "710001" },
        { bundleId: "B2", household: H(2), code: "710002" },
      ],
    });
    await f.dist.sweep();
    expect(f.sink.events("distribution.progress")).toHaveLength(1);
    await f.dist.startLoading(KIOSK, COURIER.code);
    await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, "A01");
    f.clock.advance(30_000);
    await f.dist.sweep();
    expect(f.sink.events("distribution.progress")).toHaveLength(1);
    f.clock.step(3_600_000); // a wall-clock step is no minute
    await f.dist.sweep();
    expect(f.sink.events("distribution.progress")).toHaveLength(1);
    f.clock.advance(30_000);
    await f.dist.sweep();
    const p = f.sink.events("distribution.progress");
    expect(p).toHaveLength(2);
    expect(p[1]?.data).toMatchObject({
      roundId: "r1",
      loaded: 1,
      collected: 0,
      waiting: 0,
      toLoad: 1,
      total: 2,
    });

    const closed = await f.run("distribution.close", { roundId: "r1" });
    expect(closed).toMatchObject({ roundId: "r1", alreadyClosed: false, unclaimed: 2 });
    const u = f.sink.events("distribution.unclaimed")[0];
    expect(u?.device).toBe("gw-test");
    expect(u?.data).toMatchObject({
      roundId: "r1",
      reason: "command",
      count: 2,
      bundles: [
        { bundleId: "B1", household: H(1), inLocker: true, compartment: "A01" },
        { bundleId: "B2", household: H(2), inLocker: false },
      ],
    });
    expect(await f.run("distribution.close", { roundId: "r1" })).toMatchObject({ alreadyClosed: true });
    await expect(f.run("distribution.close", { roundId: "nope" })).rejects.toMatchObject({
      code: "QH_DIST_ROUND_UNKNOWN",
    });
    await expect(f.dist.scanLabel(KIOSK, "B2")).rejects.toMatchObject({ code: "QH_DIST_ROUND_CLOSED" });
  });

  it("closes a round at its closesAt", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      closesAt: new Date(T0 + 600_000).toISOString(),
      bundles: [{ bundleId: "B1", household: H(1), code: "810001" }],
    });
    await f.dist.sweep();
    expect(f.sink.events("distribution.unclaimed")).toHaveLength(0);
    f.clock.advance(600_000);
    await f.dist.sweep();
    expect(f.sink.events("distribution.unclaimed")[0]?.data).toMatchObject({ reason: "closes_at", count: 1 });
  });

  it("leaving emergency keeps a bundle inside collectable and its compartment away from parcels", async () => {
    f = await distFixture({
      layout: [
        {
          device: "locker-a",
          compartments: [
            { id: "A01", size: "S", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
            { id: "A02", size: "S", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
          ],
        },
      ],
    });
    const slot = { from: new Date(T0 + 3_600_000).toISOString(), to: new Date(T0 + 7_200_000).toISOString() };
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: H(1), code: "910001", slot }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, "A01");
    f.mode.set("normal");
    await f.port.settle();
    await new Promise((r) => setTimeout(r, 20));
    expect(f.sink.events("distribution.unclaimed")[0]?.data).toMatchObject({
      reason: "mode_normal",
      count: 1,
    });
    expect(f.dist.loadingSession(KIOSK)).toBeUndefined();
    // a courier's parcel goes to the other compartment; none is left after it
    expect(f.svc.availability(KIOSK)).toEqual({ S: 1 });
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-1");
    expect(await f.svc.chooseSize(KIOSK, "S")).toMatchObject({ compartment: "A02" });
    await putIn(f, "A02");
    expect(f.svc.availability(KIOSK)).toEqual({});
    // the round is closed: the resident collects at any time (the slot was for the crowding)
    const got = await f.svc.pickup(KIOSK, "910001");
    expect(got).toMatchObject({ bundleId: "B1", compartment: "A01" });
    await takeOut(f, "A01");
    expect(f.sink.events("distribution.collected")).toHaveLength(1);
    expect(f.svc.availability(KIOSK)).toEqual({ S: 1 });
  });
});

describe("a restart in the middle of loading", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("loses no bundle: a door that never opened gives the bundle back to be scanned again", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: H(1), code: "920001" }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    f.port.jam(ref("A01"));
    expect(await f.dist.scanLabel(KIOSK, "B1")).toMatchObject({ compartment: "A01" });
    await f.port.settle();
    // the gateway stops before the door's timeout; the bundle is still `loading` in A01
    await f.dist.stop();
    await f.shutdown();
    await f.restart();
    f.dist = new DistributionService({
      holds: f.svc.holds,
      mode: f.mode,
      siteDevice: "gw-test",
      clock: f.clock,
      sweepIntervalMs: 0,
    });
    await f.dist.start();
    expect(f.dist.bundleState("B1")).toBe("loading");
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
    // jammed: out of service, and the bundle is back (no session survived to move it on)
    expect(f.sink.events("door.jammed")[0]?.data).toMatchObject({ compartment: "A01", purpose: "load" });
    expect(f.dist.bundleState("B1")).toBe("pending");
    await f.dist.startLoading(KIOSK, COURIER.code);
    expect(await f.dist.scanLabel(KIOSK, "B1")).toMatchObject({ compartment: "A02" });
    await putIn(f, "A02");
    expect(f.dist.bundleState("B1")).toBe("loaded");
  });
});

describe("bounded sizes", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("refuses a load over 2000 bundles and unknown arguments; lists a big round's unclaimed in parts", async () => {
    f = await distFixture();
    const many = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({
        bundleId: `B${from + i}`,
        household: H(from + i),
        code: String(10_000_000 + from + i),
      }));
    await expect(
      f.run("distribution.load", { roundId: "r1", bundles: many(2001), extra: 1 }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: expect.stringMatching(
        /args\.extra: unknown argument.*args\.bundles: must be an array of 1-2000 bundles/,
      ),
    });
    await f.run("distribution.load", { roundId: "r1", bundles: many(1200) });
    await f.run("distribution.close", { roundId: "r1" });
    const parts = f.sink.events("distribution.unclaimed");
    expect(
      parts.map((e) => [e.data.part, e.data.parts, (e.data.bundles as unknown[]).length, e.data.count]),
    ).toEqual([
      [1, 3, 500, 1200],
      [2, 3, 500, 1200],
      [3, 3, 200, 1200],
    ]);
  });
});
