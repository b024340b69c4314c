/**
 * `quarterhour sim vend` prints one line per vend outcome; a ration_exhausted denial (emergency
 * rationing) carries the household's count for the day (docs/emergency.md "Rationed vending"),
 * which the line must show, or the demo user cannot tell why the second vend was denied.
 */
import { expect, it } from "vitest";
import { outcomeLine } from "../../../src/cli/sim-vend.js";

it("shows a ration_exhausted denial's household count, and plain outcomes as before", () => {
  expect(
    outcomeLine("vend.denied", {
      slot: 6,
      price: 350,
      reason: "ration_exhausted",
      ration: { household: "b2-1101", limit: 1, used: 1, day: "2026-12-01" },
    }),
  ).toBe("vend.denied: slot 6, price 350, reason ration_exhausted (household b2-1101: 1 of 1 on 2026-12-01)");
  expect(outcomeLine("vend.completed", { slot: 3, price: 250 })).toBe("vend.completed: slot 3, price 250");
});
