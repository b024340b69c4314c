/**
 * The locker's start-up guessing figure (src/extensions/locker.ts `start`) counts the live bundle
 * codes with the compartments: `liveBundleCodes` counts every bundle whose code still opens
 * something (not collected, not unclaimed), and 0 on a store without the distribution tables.
 * Real SQLite file in a temp dir.
 */
import { afterEach, expect, it } from "vitest";
import { migrateDistribution } from "../../../src/domain/distribution/schema.js";
import { type BundleState, DistributionStore } from "../../../src/domain/distribution/store.js";
import { DEFAULT_LOCKER_SETTINGS, expectedYearsToGuess } from "../../../src/domain/locker/settings.js";
import { liveBundleCodes } from "../../../src/extensions/locker-support.js";
import { openDatabase } from "../../../src/store/db.js";
import { tempDir } from "../../helpers/gateway.js";

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

it("counts live bundle codes (0 before the tables exist); they lower the figure", () => {
  const db = openDatabase({ dataDir: tempDir("qh-live-bundles-") });
  closers.push(() => db.close());
  expect(liveBundleCodes(db)).toBe(0);
  migrateDistribution(db);
  const store = new DistributionStore(db);
  store.insertRound("r1", null, 1);
  const states: BundleState[] = [
    "pending",
    "waiting",
    "loading",
    "loaded",
    "collecting",
    "collected",
    "unclaimed",
  ];
  states.forEach((state, i) => {
    store.insertBundle(
      {
        bundle_id: `B${i}`,
        round_id: "r1",
        household: `h${i}`,
        code_hash: Buffer.alloc(32, i),
        slot_from: null,
        slot_to: null,
        size: null,
        zone: "ambient",
        state,
        position: i + 1,
      },
      1,
    );
  });
  expect(liveBundleCodes(db)).toBe(5);
  expect(store.liveCodes()).toBe(5);
  // the demo's 36 compartments: 1.2 years; with 5 live bundle codes more, less
  const s = DEFAULT_LOCKER_SETTINGS;
  expect(expectedYearsToGuess(s, 36 + 5)).toBeLessThan(expectedYearsToGuess(s, 36));
});
