/**
 * Issue 11 (review 2): a `distribution.load` runs its checks and inserts in one transaction that
 * holds the event loop; at the old limits (2,000 bundles of 50 lots each) one command froze the
 * gateway for seconds. The lots of one command, all bundles together, are now capped
 * (MAX_LOTS_PER_LOAD): more is refused as a whole (QH_COMMAND_INVALID, key path `args.bundles`,
 * the limit named), before any lot is read; the limit itself is accepted and every lot recorded.
 * Real SQLite files (the locker fixture's), the real trace part (TraceLots) on the same database.
 * (No timing is asserted: the figures are measured by hand, see the report / docs/emergency.md.)
 */
import { afterEach, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { MAX_LOTS_PER_BUNDLE, MAX_LOTS_PER_LOAD } from "../../../src/domain/distribution/bundle-lots.js";
import { TraceLots } from "../../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../../src/domain/trace/outbox.js";
import { type DistFixture, distFixture } from "./fixture.js";

const GTIN = "04012345678901";

let f: DistFixture;
afterEach(() => f.cleanup());

async function withLots(): Promise<DistFixture> {
  const d = await distFixture();
  const outbox = new TraceOutbox(d.db, d.sink, d.clock, silentLogger());
  const lots = new TraceLots({ db: d.db, outbox, clock: d.clock, log: silentLogger(), timeZone: "UTC" });
  d.dist.setLotHooks({
    refusal: (bundleId, purpose) => lots.bundleRefusal(bundleId, purpose),
    problem: (lot) => {
      try {
        lots.assertLoadable(lot);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
    record: (now, bundleId, named) =>
      lots.recordPlannedLots(now, "gw-test", bundleId, named, "distribution.load"),
  });
  return d;
}

/** `n` bundles of MAX_LOTS_PER_BUNDLE lots each, then one of `extra` lots (if any). */
function bundles(n: number, extra = 0) {
  const lotsOf = (i: number, k: number) =>
    Array.from({ length: k }, (_, j) => ({ gtin: GTIN, lot: `L${i}-${j}`, expiry: "2099-12-31" }));
  const out = Array.from({ length: n }, (_, i) => ({
    bundleId: `B${i}`,
    household: `h-${i}`,
    code: String(100_000_000 + i),
    lots: lotsOf(i, MAX_LOTS_PER_BUNDLE),
  }));
  if (extra > 0)
    out.push({
      bundleId: `B${n}`,
      household: `h-${n}`,
      code: String(100_000_000 + n),
      lots: lotsOf(n, extra),
    });
  return out;
}

it("a load naming more lots in all than the limit is refused as a whole, naming the limit", async () => {
  f = await withLots();
  const n = MAX_LOTS_PER_LOAD / MAX_LOTS_PER_BUNDLE;
  const list = bundles(n, 1);
  // a wrong GTIN in it: not read (the lots are not read at all once there are too many)
  (list[0]?.lots[0] as { gtin: string }).gtin = "123";
  const err = await f.run("distribution.load", { roundId: "r1", bundles: list }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "QH_COMMAND_INVALID" });
  const problems = (err as { details: { problems: string[] } }).details.problems;
  expect(problems).toEqual([
    `args.bundles: name at most ${MAX_LOTS_PER_LOAD} lots in one command, all bundles together (these name ${MAX_LOTS_PER_LOAD + 1}): send the bundles in more than one distribution.load`,
  ]);
  expect(f.dist.bundleRound("B0")).toBeUndefined();
  expect(f.db.prepare("SELECT count(*) FROM trace_loads").pluck().get()).toBe(0);
});

it("a load of exactly the limit is taken, every lot recorded with its bundle", async () => {
  f = await withLots();
  const n = MAX_LOTS_PER_LOAD / MAX_LOTS_PER_BUNDLE;
  const r = await f.run("distribution.load", { roundId: "r1", bundles: bundles(n) });
  expect(r).toMatchObject({ roundId: "r1", added: n, lots: MAX_LOTS_PER_LOAD });
  expect(f.db.prepare("SELECT count(*) FROM trace_loads WHERE kind = 'bundle'").pluck().get()).toBe(
    MAX_LOTS_PER_LOAD,
  );
  expect(
    f.db
      .prepare("SELECT count(*) FROM trace_loads WHERE bundle_id = ? AND lot LIKE 'L7-%'")
      .pluck()
      .get("B7"),
  ).toBe(MAX_LOTS_PER_BUNDLE);
});
