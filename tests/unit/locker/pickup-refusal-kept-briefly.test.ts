/**
 * A resident's scanned pickup code refused (src/extensions/pickup-refusal.ts): kept per terminal
 * with the refusal's code and details, never the code itself, and served for a minute of
 * monotonic time (a wall-clock step neither ages nor revives it).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { QhError } from "../../../src/core/errors.js";
import { PICKUP_REFUSAL_TTL_MS, PickupRefusals } from "../../../src/extensions/pickup-refusal.js";

describe("scanned pickup refusals", () => {
  it("keeps the last refusal per terminal with its code and details, without the scanned code", () => {
    const clock = new ManualClock();
    const r = new PickupRefusals(clock);
    expect(r.get("kiosk-a")).toBeUndefined();
    const slot = { from: "2026-01-02T08:00:00.000Z", to: "2026-01-02T10:00:00.000Z" };
    r.record("kiosk-a", "223344", new QhError("QH_DIST_OUTSIDE_SLOT", "ready later", { slot, early: true }));
    const second = r.record(
      "kiosk-a",
      "556677",
      new QhError("QH_LOCKER_CODE_WRONG", "wrong pickup code 556677", { attemptsLeft: 4, echo: "556677" }),
    );
    r.record("kiosk-b", "112233", new Error("boom"));
    const a = r.get("kiosk-a");
    expect(a).toMatchObject({ seq: second.seq, code: "QH_LOCKER_CODE_WRONG", details: { attemptsLeft: 4 } });
    expect(JSON.stringify(a)).not.toContain("556677");
    expect(r.get("kiosk-b")).toMatchObject({ code: "QH_INTERNAL" });
    expect(r.get("kiosk-b")?.seq).toBeGreaterThan(second.seq);
    r.clear("kiosk-a");
    expect(r.get("kiosk-a")).toBeUndefined();
  });

  it("serves a refusal for the TTL of monotonic time, whatever the wall clock does", () => {
    const clock = new ManualClock();
    const r = new PickupRefusals(clock);
    r.record("kiosk-a", "223344", new QhError("QH_DIST_NOT_LOADED", "not yet", { state: "pending" }));
    clock.step(-3_600_000); // the wall clock steps back an hour: still fresh
    clock.advance(PICKUP_REFUSAL_TTL_MS - 1);
    expect(r.get("kiosk-a")?.code).toBe("QH_DIST_NOT_LOADED");
    clock.advance(1);
    expect(r.get("kiosk-a")).toBeUndefined();
  });
});
