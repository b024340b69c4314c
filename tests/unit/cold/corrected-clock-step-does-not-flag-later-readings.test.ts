/**
 * A bad time source steps the wall clock a year ahead while it still counts as synchronised; the
 * TimeKeeper corrects it back. The reading taken on the bad clock keeps its date, but the zone's
 * high-water time moves with the correction: later readings are not flagged "clock unsynced" for
 * up to a year (review finding).
 */
import { afterEach, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

it("readings after a corrected forward step are synced", async () => {
  f = await coldFixture([chilledZone()]);
  for (let i = 0; i < 3; i++) await f.step();
  const year = 365 * 86_400_000;
  f.clock.step(year);
  await f.step(); // taken on the bad clock
  f.clock.correct(-year);
  for (let i = 0; i < 4; i++) await f.step();
  f.clock.advance(7 * 86_400_000);
  await f.step();
  const flags: boolean[] = [];
  await f.svc.record.forEach("chilled", 0, 8e15, (r) => flags.push(r.clockUnsynced));
  expect(flags).toEqual([false, false, false, false, false, false, false, false, false]);
});
