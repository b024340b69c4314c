/**
 * Issue 11 (review 2): a label refused at a kiosk's scanner during a volunteer's session is shown
 * on the public screen (`scanRefused`); one that reads as a pickup code (4-12 digits) is masked
 * there, in the message and in the details, so no live code is ever shown. Other labels are kept.
 */
import { describe, expect, it } from "vitest";
import { QhError } from "../../../src/core/errors.js";
import { LabelRefusals, maskCodeShaped, readsAsPickupCode } from "../../../src/extensions/label-refusal.js";

describe("scanner label refusals", () => {
  it("mask a code-shaped label in the label, the message and the details", () => {
    const r = new LabelRefusals().record(
      "kiosk-a",
      " 80000001 ",
      new QhError("QH_DIST_CONFLICT", "bundle 80000001 is loaded", { bundleId: "80000001", state: "loaded" }),
    );
    expect(r.label).toBe("••••••01");
    expect(JSON.stringify(r)).not.toContain("80000001");
    expect(r.message).toBe("bundle ••••••01 is loaded");
    expect(r.details).toEqual({ bundleId: "••••••01", state: "loaded" });
    expect(r.code).toBe("QH_DIST_CONFLICT");
  });

  it("keep a label that reads as no code", () => {
    const err = new QhError("QH_DIST_BUNDLE_UNKNOWN", "no bundle B-17 in any distribution round", {
      bundleId: "B-17",
    });
    const r = new LabelRefusals().record("kiosk-a", "B-17", err);
    expect(r.label).toBe("B-17");
    expect(r.details).toEqual({ bundleId: "B-17" });
    expect(maskCodeShaped("1234567890123")).toBe("1234567890123"); // 13 digits: no pickup code (a GTIN)
    expect(maskCodeShaped("1234")).toBe("••34");
  });

  it("read codeLength to 12 bare digits as a pickup code", () => {
    expect(readsAsPickupCode("80000001", 6)).toBe(true);
    expect(readsAsPickupCode(" 123456 ", 6)).toBe(true);
    expect(readsAsPickupCode("12345", 6)).toBe(false);
    expect(readsAsPickupCode("1234567890123", 6)).toBe(false);
    expect(readsAsPickupCode("B1", 6)).toBe(false);
    expect(readsAsPickupCode("qh:pickup:123456", 6)).toBe(false);
  });
});
