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
  it.fails("new user: the text does not say `still held: none` while bundle C-1 holding the lot is in cold-a/C01", () => {
    const text = formatTrace(report);
    // precondition: the bundle is in the report
    expect(text).toContain("C-1");
    expect(text, text).not.toContain("still held: none");
  });
});
