/**
 * The kiosk's refusals each reach the resident as their own catalogue message, never as the
 * generic "something went wrong (CODE)": a recalled lot inside a parcel (trace.recall) can never
 * be collected by trying again, so the page must say why and whom to call.
 */
import { describe, expect, it } from "vitest";
import en from "../../../web/kiosk/messages.en.json" with { type: "json" };
import zh from "../../../web/kiosk/messages.zh.json" with { type: "json" };
import { ApiError } from "../../../web/shared/api.js";

// loaded by path: web/ is type-checked by its own tsconfig (DOM, JSX), not the tests' one
const FAILURES = "../../../web/kiosk/failures.js";
const { failureOf } = (await import(FAILURES)) as {
  failureOf(err: unknown, lang: string, context: string): { key: string; params?: Record<string, unknown> };
};

const refusal = (status: number, code: string, details: Record<string, unknown> = {}) =>
  new ApiError(status, code, "server text", "hint", details);

describe("kiosk failures", () => {
  it("a pickup refused for a recalled lot has its own message in both languages", () => {
    const f = failureOf(refusal(409, "QH_TRACE_LOT_RECALLED"), "zh", "pickup");
    expect(f.key).toBe("err.lotRecalled");
    expect((zh as Record<string, string>)[f.key]).toMatch(/召回/);
    expect((en as Record<string, string>)[f.key]).toMatch(/recalled/);
  });

  it("a bundle's code outside its slot tells the resident when to come, in local time", () => {
    const slot = { from: "2026-01-01T09:00:00.000Z", to: "2026-01-01T10:00:00.000Z" };
    const f = failureOf(refusal(409, "QH_DIST_OUTSIDE_SLOT", { slot, early: true }), "zh", "pickup");
    expect(f.key).toBe("distribution.err.outsideSlot");
    expect(f.params?.from).toMatch(/\d\d:\d\d/);
    expect((zh as Record<string, string>)[f.key]).toMatch(/领取时间/);
    const passed = failureOf(refusal(409, "QH_DIST_OUTSIDE_SLOT", { slot, early: false }), "en", "pickup");
    expect(passed.key).toBe("distribution.err.slotPassed");
  });

  it('one try left is said in the singular ("1 more time"), more in the plural', () => {
    const one = failureOf(refusal(403, "QH_LOCKER_CODE_WRONG", { attemptsLeft: 1 }), "en", "pickup");
    expect((en as Record<string, string>)[one.key]).toBe(
      "That pickup code is not right. You can try 1 more time.",
    );
    const courier = failureOf(refusal(403, "QH_LOCKER_CODE_WRONG", { attemptsLeft: 1 }), "en", "courier");
    expect((en as Record<string, string>)[courier.key]).toMatch(/courier code .* 1 more time\.$/);
    const three = failureOf(refusal(403, "QH_LOCKER_CODE_WRONG", { attemptsLeft: 3 }), "en", "pickup");
    expect((en as Record<string, string>)[three.key]).toMatch(/\{n\} more times\.$/);
    expect(three.params?.n).toBe(3);
  });

  it("the kiosk API's codes map to their own messages, not the generic one", () => {
    const codes = [
      "QH_LOCKER_CODE_WRONG",
      "QH_LOCKER_LOCKED_OUT",
      "QH_LOCKER_SITE_SLOWED",
      "QH_LOCKER_NO_COMPARTMENT",
      "QH_COLD_ZONE_ALARM",
      "QH_TRACE_LOT_RECALLED",
      "QH_LOCKER_UNREACHABLE",
      "QH_STORE_FULL",
      "QH_KIOSK_PAIRING_CODE_SPENT",
      "QH_DIST_OUTSIDE_SLOT",
      "QH_DIST_NOT_LOADED",
      "QH_DIST_BUNDLE_UNKNOWN",
      "QH_DIST_CONFLICT",
    ];
    for (const code of codes)
      expect(failureOf(refusal(409, code), "en", "pickup").key, code).not.toBe("err.generic");
    expect(failureOf(refusal(409, "QH_SOMETHING_NEW"), "en", "pickup")).toEqual({
      key: "err.generic",
      params: { code: "QH_SOMETHING_NEW" },
    });
  });
});
