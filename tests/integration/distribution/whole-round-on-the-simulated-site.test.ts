/**
 * A whole distribution round on the simulated site (issue 11): the real gateway in-process with
 * its verticals as `quarterhour start` wires them (site mode, locker, distribution), a simulated
 * lockboard-xor line (lock-board simulator on the in-process serial pair) and an aedes broker as
 * the platform. The platform switches the site to emergency and loads a round; a volunteer loads
 * at the kiosk while the uplink is down (a jammed door on the way); residents collect (one in its
 * slot, one too early, a wrong code); the platform comes back, closes the round, and receives
 * every event in order, each matching its schema.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import {
  COURIER_CODE,
  COURIER_ID,
  LOCKER,
  type LockerSite,
  startLockerSite,
  withScanner,
} from "../locker/support.js";

type View = {
  step: string;
  compartment?: string;
  bundleId?: string;
  loaded: number;
  last?: { outcome: string; compartment?: string };
};

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `dist-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

describe("a distribution round on the simulated site", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("loads, hands out within the slot, survives a jam and the uplink going down, lists the unclaimed", async () => {
    site = await startLockerSite({ locker: { doorOpenTimeoutSeconds: 1 } });
    const s = site;

    // not in emergency yet: refused with its code
    const early = await s.command(
      "distribution.load",
      cmd({ roundId: "r1", bundles: [{ bundleId: "B0", household: "h0", code: "700000" }] }),
    );
    expect(early).toMatchObject({ status: "failed", error: { code: "QH_DIST_NOT_EMERGENCY" } });
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "typhoon" }))).toMatchObject({
      status: "ok",
    });

    const now = Date.now();
    const open = {
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now + 3_600_000).toISOString(),
    };
    const later = {
      from: new Date(now + 3_600_000).toISOString(),
      to: new Date(now + 7_200_000).toISOString(),
    };
    const loaded = await s.command(
      "distribution.load",
      cmd({
        roundId: "r1",
        bundles: [
          { bundleId: "B1", household: "h1", code: "700001", size: "M", slot: open },
          { bundleId: "B2", household: "h2", code: "700002", size: "M", slot: later },
          { bundleId: "B3", household: "h3", code: "700003" },
        ],
      }),
    );
    expect(loaded).toMatchObject({ status: "ok", result: { roundId: "r1", added: 3 } });
    const dup = await s.command(
      "distribution.load",
      cmd({ roundId: "r1", bundles: [{ bundleId: "B4", household: "h1", code: "700004" }] }),
    );
    expect(dup).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    expect((dup.error as { message: string }).message).toContain(
      "args.bundles[0].household: h1 has a bundle in round r1",
    );

    // the uplink goes down in the middle of the round: everything goes on
    await s.stopUplink();

    // the first M the locker would offer is jammed
    const firstM = (await s.compartments(LOCKER)).find(
      (c) => c.size === "M" && c.state === "free",
    )!.compartment;
    await s.sim(LOCKER, firstM, "jam");

    expect((await s.kiosk("distribution/volunteer", { code: "WRONG123" })).body).toMatchObject({
      error: { code: "QH_LOCKER_CODE_WRONG" },
    });
    expect((await s.kiosk<View>("distribution/volunteer", { code: COURIER_CODE })).body).toMatchObject({
      step: "scan",
    });
    const v1 = await s.kiosk<View>("distribution/label", { label: "B1" });
    expect(v1.body).toMatchObject({ step: "opening", compartment: firstM });
    const status = () => s.kiosk<{ session: View; queue: unknown[] }>("distribution");
    await waitUntil(
      async () => (await status()).body.session.step === "open",
      20_000,
      "another door after the jam",
    );
    const moved = (await status()).body.session;
    expect(moved.last).toMatchObject({ outcome: "moved_after_jam", compartment: firstM });
    const b1At = moved.compartment!;
    expect(b1At).not.toBe(firstM);
    expect(await s.compartment(LOCKER, firstM)).toMatchObject({ state: "out_of_service", reason: "jammed" });
    await s.sim(LOCKER, b1At, "put");
    await s.sim(LOCKER, b1At, "close");
    await waitUntil(async () => (await status()).body.session.loaded === 1, 20_000, "B1 loaded");

    const v2 = await s.kiosk<View>("distribution/label", { label: "B2" });
    const b2At = v2.body.compartment!;
    await waitUntil(async () => (await status()).body.session.step === "open", 20_000, "B2's door open");
    await s.sim(LOCKER, b2At, "put");
    await s.sim(LOCKER, b2At, "close");
    await waitUntil(async () => (await status()).body.session.loaded === 2, 20_000, "B2 loaded");
    expect(await s.compartment(LOCKER, b2At)).toMatchObject({ state: "occupied" });

    // residents: B1 within its slot, B2 too early (told when), a wrong code counted
    const tooEarly = await s.kiosk("pickup", { code: "700002" });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body).toMatchObject({
      error: { code: "QH_DIST_OUTSIDE_SLOT", details: { slot: later, early: true } },
    });
    const wrong = await s.kiosk("pickup", { code: "799999" });
    expect(wrong).toMatchObject({
      status: 403,
      body: { error: { code: "QH_LOCKER_CODE_WRONG", details: { attemptsLeft: 4 } } },
    });
    const got = await s.kiosk("pickup", { code: "700001" });
    expect(got).toMatchObject({ status: 200, body: { bundleId: "B1", compartment: b1At, door: "pulsed" } });
    await waitUntil(
      async () => (await s.compartment(LOCKER, b1At)).doorOpen === true,
      20_000,
      "B1's door open",
    );
    await s.sim(LOCKER, b1At, "take");
    await s.sim(LOCKER, b1At, "close");
    await waitUntil(
      async () => (await s.compartment(LOCKER, b1At)).state === "free",
      20_000,
      "B1's compartment free",
    );

    // all of it recorded here, waiting for the platform
    await waitUntil(() => s.pendingTypes().includes("distribution.collected"), 20_000, "collected recorded");
    const waiting = s.pendingTypes();
    expect(waiting.filter((t) => t === "distribution.loaded")).toHaveLength(2);
    expect(waiting).toContain("distribution.collected");
    expect(s.received().some((e) => e.type === "distribution.loaded")).toBe(false);

    // the platform is back: the backlog drains, then the round closes
    await s.startUplink();
    const closed = await s.command("distribution.close", cmd({ roundId: "r1" }));
    expect(closed).toMatchObject({ status: "ok", result: { unclaimed: 2 } });
    const u = await s.waitForEvent("distribution.unclaimed");
    expect(u.data).toMatchObject({
      roundId: "r1",
      reason: "command",
      count: 2,
      bundles: [
        { bundleId: "B2", household: "h2", inLocker: true, compartment: b2At },
        { bundleId: "B3", household: "h3", inLocker: false },
      ],
    });
    const all = await s.expectAllDelivered(); // seqs 1..n, no gap, each event matching its schema
    const types = all.map((e) => e.type);
    expect(types.filter((t) => t === "distribution.loaded")).toHaveLength(2);
    expect(types.filter((t) => t === "distribution.collected")).toHaveLength(1);
    expect(types).toContain("distribution.progress");
    expect(all.find((e) => e.type === "door.jammed")?.data).toMatchObject({
      compartment: firstM,
      purpose: "load",
    });
    expect(all.find((e) => e.type === "distribution.collected")).toMatchObject({
      device: LOCKER,
      data: { bundleId: "B1", household: "h1", compartment: b1At },
    });
  });

  it("site.mode normal with a bundle inside: the round closes, the bundle stays collectable, no parcel takes its door", async () => {
    site = await startLockerSite({
      buses: [
        {
          id: "bus-a",
          path: "sim://bus-a",
          protocol: "lockboard-xor",
          pollIntervalMs: 50,
          devices: [{ id: LOCKER, model: "demo-bank-24", address: 1 }],
        },
      ],
    });
    const s = site;
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
      status: "ok",
    });
    const now = Date.now();
    const later = {
      from: new Date(now + 3_600_000).toISOString(),
      to: new Date(now + 7_200_000).toISOString(),
    };
    await s.command(
      "distribution.load",
      cmd({
        roundId: "r2",
        bundles: [{ bundleId: "X1", household: "h1", code: "800001", size: "XL", slot: later }],
      }),
    );
    await s.kiosk("distribution/volunteer", { code: COURIER_CODE });
    const v = await s.kiosk<View>("distribution/label", { label: "X1" });
    const at = v.body.compartment!;
    const status = () => s.kiosk<{ session: View | null; mode: string }>("distribution");
    await waitUntil(async () => (await status()).body.session?.step === "open", 20_000, "X1's door open");
    await s.sim(LOCKER, at, "put");
    await s.sim(LOCKER, at, "close");
    await waitUntil(async () => (await status()).body.session?.loaded === 1, 20_000, "X1 loaded");

    // back to normal: the round closes, the volunteer's session ends
    expect(await s.command("site.mode", cmd({ mode: "normal", reason: "over" }))).toMatchObject({
      status: "ok",
    });
    const u = await s.waitForEvent("distribution.unclaimed");
    expect(u.data).toMatchObject({
      roundId: "r2",
      reason: "mode_normal",
      bundles: [{ bundleId: "X1", inLocker: true, compartment: at }],
    });
    expect((await status()).body).toMatchObject({ mode: "normal", session: null });
    expect((await s.kiosk("distribution/label", { label: "X1" })).body).toMatchObject({
      error: { code: "QH_DIST_SESSION" },
    });

    // the compartment holding X1 is not offered to a courier; the other XL is
    expect(await s.compartment(LOCKER, at)).toMatchObject({ state: "occupied" });
    const parcel = await s.depositParcel("PKG-AFTER-1", "XL");
    expect(parcel.compartment).not.toBe(at);
    // the resident still collects (the slot no longer holds once the round is closed)
    const got = await s.kiosk("pickup", { code: "800001" });
    expect(got).toMatchObject({ status: 200, body: { bundleId: "X1", compartment: at } });
    await waitUntil(
      async () => (await s.compartment(LOCKER, at)).doorOpen === true,
      20_000,
      "X1's door open",
    );
    await s.sim(LOCKER, at, "take");
    await s.sim(LOCKER, at, "close");
    await waitUntil(
      async () => (await s.compartment(LOCKER, at)).state === "free",
      20_000,
      "its compartment free",
    );
    await s.waitForEvent("distribution.collected", (e) => e.data.bundleId === "X1");
    s.expectContract();
  });

  it("a volunteer signs in and loads with the kiosk's serial scanner alone", async () => {
    site = await startLockerSite(withScanner());
    const s = site;
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
      status: "ok",
    });
    await s.command(
      "distribution.load",
      cmd({ roundId: "r3", bundles: [{ bundleId: "LBL-7", household: "h7", code: "800007" }] }),
    );
    const scan = (code: string) => s.request("POST", "/api/v1/sim/scanners/scanner-a/scan", { code });
    const status = () => s.kiosk<{ session: View | null }>("distribution", undefined, "kiosk-a");
    await scan(`qh:volunteer:${COURIER_CODE}`);
    await waitUntil(
      async () => (await status()).body.session?.step === "scan",
      20_000,
      "volunteer signed in",
    );
    await scan("LBL-7");
    await waitUntil(async () => (await status()).body.session?.step === "open", 20_000, "LBL-7's door open");
    const at = (await status()).body.session!.compartment!;
    await s.sim(LOCKER, at, "put");
    await s.sim(LOCKER, at, "close");
    const loaded = await s.waitForEvent("distribution.loaded", (e) => e.data.bundleId === "LBL-7");
    expect(loaded.data).toMatchObject({ compartment: at, terminal: "kiosk-a", volunteer: COURIER_ID });
  });
});
