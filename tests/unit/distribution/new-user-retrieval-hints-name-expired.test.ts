/**
 * New user (a volunteer's trainer reading the kiosk answers while trying issue 11 on the demo).
 *
 * What I did: after a round, asked a volunteer's kiosk to take back a bundle that its resident may
 * still collect (`POST /api/v1/kiosk/kiosk-a/distribution/retrieve`), and typed the code of a
 * bundle a volunteer had taken back. emergency.md ("Taking a bundle back") says a volunteer takes
 * back a bundle that is **recalled**, **expired** (a lot of it past its date) or whose round is
 * closed, and `distribution.retrieved`'s reason is `recalled`, `expired`, `unclaimed` or
 * `remote_open`.
 *
 * What I expected: the hints (the "what to do" line the kiosk and tools show) to list the same
 * three cases.
 *
 * What happened: `QH_DIST_NOT_RETRIEVABLE`'s message names "recalled, expired nor left from a
 * closed round", but its hint says "only a bundle that is recalled or left from a closed round";
 * `QH_DIST_RETRIEVED`'s hint says "(recalled, unclaimed, or by the operator)". A volunteer told by
 * the hint that an expired bundle cannot be taken back leaves food past its date in the locker.
 *
 * Cause: src/core/errors.ts, the two hints were not updated when expired bundles became
 * retrievable (commit a60d31b).
 */
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../../src/core/errors.js";

describe("new user: the retrieval hints", () => {
  it("new user: QH_DIST_NOT_RETRIEVABLE and QH_DIST_RETRIEVED hints name an expired bundle too", () => {
    // precondition: the hints exist and name the other cases
    expect(ERRORS.QH_DIST_NOT_RETRIEVABLE).toMatch(/recalled/);
    expect(ERRORS.QH_DIST_RETRIEVED).toMatch(/recalled/);
    expect(ERRORS.QH_DIST_NOT_RETRIEVABLE).toMatch(/expired|past its (expiry )?date/);
    expect(ERRORS.QH_DIST_RETRIEVED).toMatch(/expired|past its (expiry )?date/);
  });
});
