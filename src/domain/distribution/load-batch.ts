/**
 * The per-bundle work of a round's load (`distribution.load`, rounds.ts), done for thousands of
 * bundles at once inside the load's one transaction: bundle ids and codes looked up in one query
 * each, the layout read once, each lot's recall and expiry checked once, every statement prepared
 * once. The whole command blocks the event loop while it runs: load-args.ts caps its size so it
 * stays short (docs/emergency.md "Loading a round").
 */

import { lotProblemMemo, lotProblems } from "./bundle-lots.js";
import type { DistributionContext } from "./context.js";
import type { LoadInput } from "./load-args.js";
import { fitsNowhereMemo } from "./placing.js";
import { BundleBatch } from "./store.js";

/**
 * What the store, the locker and the lots say against each bundle of `input` (one line each, key
 * path first): a bundle id already known, a household with a bundle in the round already, a code
 * a parcel or a live bundle uses, a code another household's bundle ever had, a lot recalled or expired, a bundle no compartment could hold.
 * `households`: those of the round already; `hashes[i]`: the keyed hash of bundle i's code.
 */
export function bundleProblems(
  ctx: DistributionContext,
  input: LoadInput,
  households: ReadonlySet<string>,
  hashes: readonly Buffer[],
): string[] {
  const { holds } = ctx;
  const problems: string[] = [];
  const batch = new BundleBatch(holds.db);
  const known = batch.known(input.bundles.map((b) => b.bundleId));
  const live = batch.live(hashes);
  const had = batch.households(hashes);
  const lotProblem = lotProblemMemo(ctx);
  const nowhereOf = fitsNowhereMemo(ctx);
  input.bundles.forEach((b, i) => {
    const at = `args.bundles[${b.index ?? i}]`;
    const other = known.get(b.bundleId);
    if (other !== undefined) problems.push(`${at}.bundleId: ${b.bundleId} is already in round ${other}`);
    if (households.has(b.household))
      problems.push(
        `${at}.household: ${b.household} has a bundle in round ${input.roundId} already: one bundle per household per round`,
      );
    const h = hashes[i] as Buffer;
    if (holds.pickupCodes.parcelForHash(h) !== undefined || live.has(h.toString("hex").toUpperCase()))
      problems.push(`${at}.code: used by a parcel or a bundle still in the lockers: choose another`);
    else if ([...(had.get(h.toString("hex").toUpperCase()) ?? [])].some((x) => x !== b.household))
      // one code never opens two doors: the other household may keep its old slip
      problems.push(
        `${at}.code: another household's bundle had this code in an earlier round: choose another`,
      );
    problems.push(...lotProblems(ctx, b, at, lotProblem));
    // a bundle no compartment of the site can hold would wait in the queue for ever
    const nowhere = nowhereOf(b);
    if (nowhere)
      problems.push(
        `${at}: bundle ${b.bundleId} (${b.zone}, ${b.size ?? "XS"}) fits no compartment of this site: ${nowhere}`,
      );
  });
  // a bundle with a problem of its own: its lots are still named if recalled or expired
  for (const r of input.lotsOfRefused ?? [])
    problems.push(...lotProblems(ctx, { lots: r.lots }, `args.bundles[${r.index}]`, lotProblem));
  return problems;
}

/**
 * Inside the load's transaction: inserts the bundles of `input` (state `pending`, positions after
 * `position`) and records the lots named for them. `hashes[i]`: bundle i's code hash.
 */
export function insertBundles(
  ctx: DistributionContext,
  input: LoadInput,
  hashes: readonly Buffer[],
  position: number,
  now: number,
): void {
  let p = position;
  new BundleBatch(ctx.holds.db).insert(
    input.bundles.map((b, i) => ({
      bundle_id: b.bundleId,
      round_id: input.roundId,
      household: b.household,
      code_hash: hashes[i] as Buffer,
      slot_from: b.slot?.from ?? null,
      slot_to: b.slot?.to ?? null,
      size: b.size ?? null,
      zone: b.zone,
      state: "pending" as const,
      position: ++p,
    })),
    now,
  );
  for (const b of input.bundles) if (b.lots) ctx.lots?.record(now, b.bundleId, b.lots);
}
