/**
 * New user (the operator on site during a recall, issue 11; docs/traceability.md "Where a lot
 * went": the text report's `still in …` lines are "what to take out during a recall").
 *
 * What I did: on the demo, in emergency mode, a volunteer loaded the chilled bundle C-1 into
 * cold-a/C01 and scanned a pack of lot YOG-77 into it (the kiosk's scanner while its door was
 * open), shut the door; then `npx quarterhour trace lot 06901234567892 YOG-77`. The report below
 * is what `--json` printed (the cold-chain times shortened to the demo's).
 *
 * What I expected: the text to say the lot is still in the locker, in bundle C-1 at cold-a/C01
 * (not collected), the one thing to go and take out.
 *
 * What happened: the text says `still held: none` (its first "where is it now" line), and only
 * further down `in 1 bundle(s): C-1 round r3 cold-a/C01 loaded not collected`. `holding` counts
 * vending slots only; a parcel or a bundle still in a compartment is not "held" in the text, so an
 * operator reading the summary line concludes there is nothing left to take out.
 *
 * Cause: src/cli/trace.ts `formatTrace` prints `still held: none` from `holding` (slots only:
 * src/domain/trace/report.ts), ignoring `parcels`/`bundles` still in a compartment.
 */
import { describe, expect, it } from "vitest";
import { formatTrace } from "../../../src/cli/trace.js";

const report = {
  gtin: "06901234567892",
  lot: "YOG-77",
  expiry: "2028-01-03",
  recalled: null,
  loads: [
    {
      kind: "bundle",
      device: "cold-a",
      bundleId: "C-1",
      compartment: "C01",
      quantity: 1,
      loadedAt: "2026-12-01T02:27:38.026Z",
      endedAt: null,
      expiredAt: null,
      by: "kiosk-a",
    },
  ],
  holding: [],
  vends: [],
  parcels: [],
  bundles: [
    {
      bundleId: "C-1",
      roundId: "r3",
      device: "cold-a",
      compartment: "C01",
      state: "loaded",
      loadedAt: "2026-12-01T02:27:43.709Z",
      collected: false,
      collectedAt: null,
      retrieved: false,
    },
  ],
  coldChain: [
    {
      bundleId: "C-1",
      zone: "chilled",
      device: "cold-a",
      compartment: "C01",
      from: "2026-12-01T02:27:43.709Z",
      to: "2026-12-01T02:28:03.592Z",
      readings: 4,
      gaps: 0,
      unsynced: 0,
      minC: 3.6,
      maxC: 3.9,
    },
  ],
};

describe("new user: trace lot's text with a bundle still in a locker", () => {
  it("new user: the text does not say `still held: none` while bundle C-1 holding the lot is in cold-a/C01", () => {
    const text = formatTrace(report);
    // precondition: the bundle is in the report
    expect(text).toContain("C-1");
    expect(text, text).not.toContain("still held: none");
    expect(text).toContain("still held in 1 place(s):\n  still in cold-a/C01  bundle C-1 (loaded)\n");
    // nothing sold, no parcel: said so, not a header with nothing under it
    expect(text).toContain("sold: none\n");
    expect(text).toContain("in parcels: none\n");
    expect(text).not.toMatch(/\b0 (time|parcel|bundle)\(s\)/);
  });

  it("still held: slots, parcels in a locker and bundles neither collected nor retrieved; not the others", () => {
    const bundle = (bundleId: string, state: string, more: Record<string, unknown> = {}) => ({
      bundleId,
      roundId: "r3",
      device: "locker-a",
      compartment: `A-${bundleId}`,
      state,
      collected: state === "collected",
      retrieved: state === "retrieved",
      ...more,
    });
    const text = formatTrace({
      ...report,
      holding: [{ device: "vending-a", slot: 4, quantity: 3 }],
      parcels: [
        { parcelId: "P-IN", device: "locker-a", compartment: "A02", state: "stored", collected: false },
        { parcelId: "P-OUT", device: "locker-a", compartment: "A03", state: "picked_up", collected: true },
        { parcelId: "P-BACK", device: "locker-a", compartment: "A04", state: "retrieved", collected: false },
      ],
      bundles: [
        bundle("B-IN", "loaded"),
        bundle("B-GONE", "collected", { collectedAt: "2026-12-01T03:00:00.000Z" }),
        bundle("B-BACK", "retrieved", {
          retrievedAt: "2026-12-01T03:00:00.000Z",
          retrieveReason: "recalled",
        }),
        bundle("B-QUEUE", "waiting", { device: null, compartment: null }),
      ],
    });
    const held = text.slice(text.indexOf("still held"), text.indexOf("sold"));
    expect(held, text).toBe(
      [
        "still held in 4 place(s):",
        "  still in vending-a slot 4  ×3",
        "  still in locker-a/A02  parcel P-IN (stored)",
        "  still in locker-a/A-B-IN  bundle B-IN (loaded)",
        "  still in no locker  bundle B-QUEUE of round r3 (waiting)",
        "",
      ].join("\n"),
    );
    expect(text).toContain("in 3 parcel(s):");
    expect(text).toContain("in 4 bundle(s):");
  });
});
