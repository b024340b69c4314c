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

  // issue 11, taking bundles back: the resident's and the volunteer's refusals, each in its own words
  const EN = en as Record<string, string>;
  const ZH = zh as Record<string, string>;
  /** Both catalogues have the key, and the Chinese one has no English left (placeholders aside). */
  const bothLanguages = (key: string) => {
    expect(EN[key], key).toBeTypeOf("string");
    expect(ZH[key], key).toBeTypeOf("string");
    expect(ZH[key]!.replace(/\{\w+\}/g, ""), key).not.toMatch(/[A-Za-z]/);
  };

  it("a bundle taken back: the resident is told why and to ask the volunteers, per reason", () => {
    const keys = ["recalled", "expired", "unclaimed", "remote_open"].map(
      (reason) => failureOf(refusal(409, "QH_DIST_RETRIEVED", { reason }), "zh", "pickup").key,
    );
    expect(new Set(keys).size).toBe(4);
    for (const k of keys) {
      bothLanguages(k);
      expect(ZH[k]).toMatch(/请联系志愿者/);
      expect(EN[k]).toMatch(/ask the volunteers/);
    }
    expect(ZH[keys[0]!]).toMatch(/召回/);
    expect(ZH[keys[1]!]).toMatch(/过期/);
    expect(ZH[keys[2]!]).toMatch(/发放已结束/);
    // a reason the page does not know yet still says the bundle is gone
    expect(failureOf(refusal(409, "QH_DIST_RETRIEVED", { reason: "new" }), "en", "pickup").key).toBe(keys[3]);
  });

  it("a bundle holding a product past its date: the resident's door stays shut, the volunteer keeps it apart", () => {
    const details = { gtin: "04012345678901", lot: "MILK-1", expiry: "2026-11-30", today: "2026-12-01" };
    const resident = failureOf(refusal(409, "QH_TRACE_LOT_EXPIRED", details), "zh", "pickup");
    expect(resident.key).toBe("distribution.err.bundleExpiredPickup");
    bothLanguages(resident.key);
    expect(ZH[resident.key]).toMatch(/物资包.*过期.*柜门不会打开.*志愿者/);
    const volunteer = failureOf(
      refusal(409, "QH_TRACE_LOT_EXPIRED", { ...details, bundleId: "B-7" }),
      "en",
      "deposit",
    );
    expect(volunteer).toEqual({ key: "distribution.err.bundleExpiredLoad", params: { bundle: "B-7" } });
    bothLanguages(volunteer.key);
    // a courier's parcel lot (no bundle): the lot's own words
    const parcel = failureOf(refusal(409, "QH_TRACE_LOT_EXPIRED", details), "en", "deposit");
    expect(parcel).toEqual({
      key: "lot.expired",
      params: { lot: "MILK-1", gtin: "04012345678901", expiry: "2026-11-30" },
    });
  });

  it("the volunteer's take-back and loading refusals have their own words", () => {
    const cases: [string, string, Record<string, unknown>, string, Record<string, unknown>][] = [
      [
        "QH_DIST_NOT_RETRIEVABLE",
        "retrieve",
        { bundleId: "B-1" },
        "takeback.err.notRetrievable",
        { bundle: "B-1" },
      ],
      [
        "QH_DIST_CONFLICT",
        "retrieve",
        { bundleId: "B-1", state: "collected" },
        "takeback.err.gone",
        { bundle: "B-1" },
      ],
      ["QH_DIST_BUNDLE_UNKNOWN", "retrieve", { bundleId: "B-1" }, "takeback.err.gone", { bundle: "B-1" }],
      [
        "QH_LOCKER_WRONG_TERMINAL",
        "retrieve",
        { device: "locker-b" },
        "takeback.err.wrongTerminal",
        { device: "locker-b" },
      ],
      [
        "QH_DIST_NO_COMPARTMENT_FITS",
        "deposit",
        { bundleId: "B-9" },
        "distribution.err.noFit",
        { bundle: "B-9" },
      ],
    ];
    for (const [code, context, details, key, params] of cases) {
      expect(failureOf(refusal(409, code, details), "en", context), code).toEqual({ key, params });
      bothLanguages(key);
    }
    // the resident's own words for these stay as they were
    expect(failureOf(refusal(409, "QH_DIST_CONFLICT"), "en", "deposit").key).toBe(
      "distribution.err.conflict",
    );
    expect(failureOf(refusal(409, "QH_LOCKER_WRONG_TERMINAL", { device: "x" }), "en", "pickup").key).toBe(
      "err.wrongTerminal",
    );
  });

  it("the take-back screen's words are in both catalogues, the Chinese without English", () => {
    const keys = Object.keys(EN).filter((k) => k.startsWith("takeback."));
    expect(keys.length).toBeGreaterThan(20);
    for (const k of keys) bothLanguages(k);
  });
});
