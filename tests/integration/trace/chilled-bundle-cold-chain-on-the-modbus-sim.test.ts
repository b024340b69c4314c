/**
 * Issue 11, a chilled bundle's cold chain on real parts: the demo site (lockboard-xor banks, the
 * cold controller simulated on its Modbus RTU line, an in-process platform broker) in emergency
 * mode; a volunteer loads a chilled bundle holding a named lot through the kiosk API (it goes to a
 * chilled compartment of cold-a), then the simulated chilled cabinet's door is held open and its
 * cooling's power cut until the gateway raises a real temperature alarm from the polled readings.
 * Its resident's collect answer then carries the ongoing breach, and `trace.lot` gives the zone's
 * readings over the bundle's stay with a maximum above the zone's range. (The
 * bundle.cold_chain_breach event, sent when the alarm clears, is checked on the in-memory record:
 * chilled-bundle-cold-chain.test.ts; a real cabinet takes minutes more to cool down again.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PageSite, startPageSite } from "../../helpers/browser.js";
import { COURIER_CODE, hands } from "../../helpers/kiosk.js";
import { waitUntil } from "../../helpers/upstream.js";

const GTIN = "09501101530003";
const T = "/kiosk/kiosk-a";
let n = 0;

describe("a chilled bundle on the simulated cold controller", () => {
  let site: PageSite;
  beforeAll(async () => {
    site = await startPageSite();
  }, 60_000);
  afterAll(async () => {
    for (const fault of ["door-open", "power"])
      await site?.call("POST", "/sim/cold/zones/chilled/fault", { fault, on: false });
    await site?.cleanup();
  });

  const platform = async (name: string, args: Record<string, unknown>) =>
    (await site.router.handle(name, {
      id: `cold-bundle-${++n}`,
      args,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    })) as { status: string; result?: Record<string, unknown>; error?: unknown };

  it("warns its resident of the ongoing breach and traces the readings of its stay", {
    timeout: 400_000,
  }, async () => {
    expect(await platform("site.mode", { mode: "emergency", reason: "cold snap" })).toMatchObject({
      status: "ok",
    });
    const loaded = await platform("distribution.load", {
      roundId: "r-cold",
      bundles: [
        {
          bundleId: "C-1",
          household: "h-301",
          code: "73310001",
          zone: "chilled",
          lots: [{ gtin: GTIN, lot: "YOG-77" }],
        },
      ],
    });
    expect(loaded, JSON.stringify(loaded)).toMatchObject({ status: "ok" });
    const signIn = await site.call("POST", `${T}/distribution/volunteer`, { code: COURIER_CODE });
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    const label = await site.call<{ device: string; compartment: string }>(
      "POST",
      `${T}/distribution/label`,
      {
        label: "C-1",
      },
    );
    expect(label.status, JSON.stringify(label.body)).toBe(200);
    const { device, compartment } = label.body;
    expect(device).toBe("cold-a");
    expect(compartment).toMatch(/^C0\d$/);
    await waitUntil(
      async () =>
        (await site.call<{ session: { step: string } | null }>("GET", `${T}/distribution`)).body.session
          ?.step === "open",
      10_000,
      "the bundle's door open",
    );
    await hands(site, device, compartment, "put");
    await hands(site, device, compartment, "close");
    await waitUntil(
      () =>
        site.db
          .prepare("SELECT count(*) FROM events_view WHERE type = 'distribution.loaded'")
          .pluck()
          .get() === 1,
      10_000,
      "distribution.loaded",
    );
    await site.call("DELETE", `${T}/distribution`);

    // a real alarm from the polled readings: the cabinet's door held open, its cooling's power cut
    for (const fault of ["door-open", "power"]) {
      const r = await site.call("POST", "/sim/cold/zones/chilled/fault", { fault, on: true });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    await waitUntil(
      async () =>
        (await site.call<{ alarms: { kind: string }[] }>("GET", "/cold/zones/chilled")).body.alarms.some(
          (a) => a.kind === "temperature",
        ),
      300_000,
      "the chilled zone's temperature alarm",
    );

    // its resident is told (the collect answer carries the breach, as a parcel's pickup does)
    const collect = await site.call<{
      bundleId?: string;
      coldChainBreach?: { zone: string; ongoing: boolean }[];
    }>("POST", `${T}/pickup`, { code: "73310001" });
    expect(collect.status, JSON.stringify(collect.body)).toBe(200);
    expect(collect.body.bundleId).toBe("C-1");
    expect(collect.body.coldChainBreach?.[0]).toMatchObject({ zone: "chilled", ongoing: true });
    await hands(site, device, compartment, "take");
    await hands(site, device, compartment, "close");

    // the trace: the zone's readings over the bundle's stay, above the chilled range at the peak
    const trace = await platform("trace.lot", { gtin: GTIN, lot: "YOG-77" });
    expect(trace.status, JSON.stringify(trace)).toBe("ok");
    const stay = ((trace.result?.coldChain ?? []) as Record<string, unknown>[]).find(
      (c) => c.bundleId === "C-1",
    );
    expect(stay).toMatchObject({ zone: "chilled", device, compartment });
    expect(stay?.readings as number).toBeGreaterThan(0);
    expect(stay?.maxC as number).toBeGreaterThan(6); // a chilled zone's range ends at 6 °C (src/domain/cold/settings.ts)
  });
});
