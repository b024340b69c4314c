import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { Outcome } from "../locker/outbox.js";
import { expectedYearsToGuess, minCodeLength } from "../locker/settings.js";
import type { DistributionContext } from "./context.js";
import {
  invalid,
  type LoadInput,
  MAX_BUNDLES_PER_ROUND,
  MAX_OPEN_ROUNDS,
  MAX_ROUND_DAYS,
} from "./load-args.js";
import { bundleProblems, insertBundles } from "./load-batch.js";
import { IN_LOCKER } from "./schema.js";
import { type BundleRow, iso, type RoundRow } from "./store.js";

/** The project's bar: one live code takes at least this long to guess at the guard's limit. */
export const MIN_YEARS_TO_GUESS = 1;

/**
 * The problem of bundle codes too short for the live codes the load would make (undefined if
 * none): S = the compartments (at most one live parcel code each) + the bundles whose code is live
 * + the new ones, all counted as if of the new code's length (a bound: codes of another length are
 * another space), and a code of L digits must take MIN_YEARS_TO_GUESS years to guess at the
 * guard's limit (docs/locker.md "Guessing codes": T = (10^L + 1) / (S + 1) / R).
 */
function shortCodes(ctx: DistributionContext, input: LoadInput): string | undefined {
  const { holds, store } = ctx;
  const live = holds.compartmentCount() + store.liveCodes() + input.bundles.length;
  const need = minCodeLength(holds.settings, live, MIN_YEARS_TO_GUESS, 1);
  const bad = input.bundles.filter((b) => need === undefined || b.code.length < need);
  if (bad.length === 0) return undefined;
  const at = bad.slice(0, 10).map((b, i) => `bundles[${b.index ?? i}]`);
  const which = `${at.join(", ")}${bad.length > 10 ? ` and ${bad.length - 10} more` : ""}`;
  const len = bad[0]?.code.length ?? 0;
  const years = expectedYearsToGuess({ ...holds.settings, codeLength: len }, live);
  if (need === undefined)
    return `args.bundles: ${live} live codes (compartments and bundles) could be guessed within ${MIN_YEARS_TO_GUESS} year at the guard's limit even with 12 digits (${which}): lower locker.siteMaxWrongCodes or load fewer bundles at once`;
  return `args.bundles: codes of fewer than ${need} digits (${which}) are too short for the ${live} live codes (compartments and bundles) this load would make: one could be guessed in ${years.toFixed(2)} years at the guard's limit (at least ${MIN_YEARS_TO_GUESS}); send codes of ${need} digits or more`;
}

/** The progress of a round is sent at most this often (monotonic clock). */
export const PROGRESS_INTERVAL_MS = 60_000;
/** At most this many bundles in one distribution.unclaimed event (a bigger list is split in parts). */
export const UNCLAIMED_PER_EVENT = 500;

/**
 * Rounds: loaded by the platform (`distribution.load`, emergency mode only), closed by
 * `distribution.close`, by their `closesAt` or by leaving emergency mode, when every bundle not
 * collected is listed in `distribution.unclaimed`. Bundles still in a compartment stay there,
 * collectable with their code, their compartment held until it is emptied.
 */
export class RoundDesk {
  /** per open round: when its progress was last sent (mono ms), and whether it changed since */
  private readonly progress = new Map<string, { sentAt: number | undefined; dirty: boolean }>();

  constructor(private readonly ctx: DistributionContext) {}

  /**
   * Adds the bundles to the round (created at its first load). Refused as a whole, naming every
   * problem (QH_COMMAND_INVALID), for a household that already has a bundle in the round, a bundle
   * id already known, a code an active parcel or bundle uses, a round closed or too big.
   * QH_DIST_NOT_EMERGENCY outside emergency mode. `argProblems`: what `readLoad` found in the args
   * (named in the same refusal, with what the store finds about the bundles that could be read).
   */
  async load(input: LoadInput, argProblems: readonly string[] = []): Promise<JsonObject> {
    const { store, holds, mode } = this.ctx;
    if (argProblems.length > 0 && mode.current().mode !== "emergency") invalid([...argProblems]);
    if (mode.current().mode !== "emergency")
      throw new QhError(
        "QH_DIST_NOT_EMERGENCY",
        "distribution rounds are run in emergency mode only (site.mode)",
        {
          mode: mode.current().mode,
        },
      );
    return holds.commit((out) => {
      const problems: string[] = [...argProblems];
      const round = input.roundId === "" ? undefined : store.round(input.roundId);
      if (round?.state === "closed") problems.push(`args.roundId: round ${input.roundId} is closed`);
      const open = round ? 0 : store.openRounds().length;
      if (open >= MAX_OPEN_ROUNDS)
        problems.push(
          `args.roundId: ${open} rounds are open already (at most ${MAX_OPEN_ROUNDS}): close one (distribution.close) or add to an open one`,
        );
      if (input.closesAt !== undefined) {
        if (input.closesAt <= out.now) problems.push("args.closesAt: is in the past");
        else if (input.closesAt > out.now + MAX_ROUND_DAYS * 86_400_000)
          problems.push(`args.closesAt: more than ${MAX_ROUND_DAYS} days ahead`);
      }
      const before = round ? store.count(input.roundId) : 0;
      if (before + input.bundles.length > MAX_BUNDLES_PER_ROUND)
        problems.push(
          `args.bundles: the round would hold ${before + input.bundles.length} bundles (at most ${MAX_BUNDLES_PER_ROUND})`,
        );
      const households = round ? store.households(input.roundId) : new Set<string>();
      const hashes = input.bundles.map((b) => holds.hasher.hash("pickup", b.code));
      problems.push(...bundleProblems(this.ctx, input, households, hashes));
      const short = shortCodes(this.ctx, input);
      if (short) problems.push(short);
      if (problems.length > 0) invalid(problems);
      if (!round) store.insertRound(input.roundId, input.closesAt ?? null, out.now);
      else if (input.closesAt !== undefined) store.setClosesAt(input.roundId, input.closesAt);
      insertBundles(this.ctx, input, hashes, store.maxPosition(), out.now);
      this.touched(input.roundId);
      const r = store.round(input.roundId) as RoundRow;
      return {
        roundId: input.roundId,
        added: input.bundles.length,
        lots: input.bundles.reduce((n, b) => n + (b.lots?.length ?? 0), 0),
        closesAt: iso(r.closes_at),
        counts: { ...store.counts(input.roundId) },
      };
    });
  }

  /**
   * Closes a round (idempotent: a closed round answers `alreadyClosed` with the same `closedAt`
   * and its `unclaimed` now). `closedAt` is the stored time; `unclaimed` = `counts.unclaimed`.
   * QH_DIST_ROUND_UNKNOWN.
   */
  async close(roundId: string, reason: string): Promise<JsonObject> {
    const { store } = this.ctx;
    const round = store.round(roundId);
    if (!round) throw new QhError("QH_DIST_ROUND_UNKNOWN", `no distribution round ${roundId}`, { roundId });
    if (round.state === "closed") {
      const counts = store.counts(roundId);
      return {
        roundId,
        alreadyClosed: true,
        closedAt: iso(round.closed_at),
        unclaimed: counts.unclaimed,
        counts: { ...counts },
      };
    }
    const unclaimed = await this.ctx.holds.commit((out) => this.closeIn(out, roundId, reason));
    const counts = store.counts(roundId);
    return {
      roundId,
      alreadyClosed: false,
      closedAt: iso(store.round(roundId)?.closed_at ?? null), // the time stored (and in the event)
      unclaimed: unclaimed.length,
      counts: { ...counts },
    };
  }

  /** Inside a commit: the round closes, its bundles never loaded become unclaimed, the event lists them all. */
  closeIn(out: Outcome, roundId: string, reason: string): BundleRow[] {
    const { store, siteDevice } = this.ctx;
    const left = store.notCollected(roundId);
    for (const b of left)
      if (b.state === "pending" || b.state === "waiting")
        store.patch(b.bundle_id, { state: "unclaimed" }, out.now);
    store.closeRound(roundId, reason, out.now);
    const counts = store.counts(roundId);
    // one event per UNCLAIMED_PER_EVENT bundles: a round of 20,000 stays within what brokers take
    const parts = Math.max(1, Math.ceil(left.length / UNCLAIMED_PER_EVENT));
    for (let part = 0; part < parts; part++) {
      const chunk = left.slice(part * UNCLAIMED_PER_EVENT, (part + 1) * UNCLAIMED_PER_EVENT);
      out.emit(siteDevice, "distribution.unclaimed", {
        roundId,
        reason,
        count: left.length,
        part: part + 1,
        parts,
        bundles: chunk.map((b) => ({
          bundleId: b.bundle_id,
          household: b.household,
          inLocker: (IN_LOCKER as readonly string[]).includes(b.state),
          ...(b.device !== null ? { device: b.device, compartment: b.compartment } : {}),
        })),
        counts: { ...counts },
      });
    }
    this.progress.delete(roundId);
    return left;
  }

  /** Rounds past their closesAt close (wall clock: a time shared with the platform). */
  async sweep(now: number): Promise<void> {
    for (const r of this.ctx.store.openRounds()) {
      if (r.closes_at !== null && r.closes_at <= now) {
        await this.ctx.holds
          .commit((out) => {
            if (this.ctx.store.round(r.round_id)?.state === "open")
              this.closeIn(out, r.round_id, "closes_at");
          })
          .catch((err: unknown) =>
            this.ctx.log.error({ err, roundId: r.round_id }, "distribution: round not closed"),
          );
      }
    }
    await this.sendProgress();
  }

  /** Leaving emergency mode: every open round closes (reason `mode_normal`). */
  async closeAll(reason: string): Promise<number> {
    const open = this.ctx.store.openRounds();
    for (const r of open)
      await this.ctx.holds.commit((out) => {
        if (this.ctx.store.round(r.round_id)?.state === "open") this.closeIn(out, r.round_id, reason);
      });
    return open.length;
  }

  touched(roundId: string): void {
    const p = this.progress.get(roundId) ?? { sentAt: undefined, dirty: false };
    p.dirty = true;
    this.progress.set(roundId, p);
  }

  /** distribution.progress for every changed open round whose last one is a minute old (monotonic). */
  async sendProgress(): Promise<void> {
    const { store, clock, siteDevice } = this.ctx;
    const mono = clock.mono();
    for (const [roundId, p] of this.progress) {
      if (!p.dirty || (p.sentAt !== undefined && mono - p.sentAt < PROGRESS_INTERVAL_MS)) continue;
      const round = store.round(roundId);
      if (round?.state !== "open") {
        this.progress.delete(roundId);
        continue;
      }
      p.dirty = false;
      p.sentAt = mono;
      const c = store.counts(roundId);
      await this.ctx.holds
        .commit((out) =>
          out.emit(siteDevice, "distribution.progress", {
            roundId,
            loaded: c.loaded,
            collected: c.collected,
            waiting: c.waiting,
            toLoad: c.pending + c.waiting, // not loaded yet, the waiting ones included
            total: c.total,
            closesAt: iso(round.closes_at),
          }),
        )
        .catch((err: unknown) => this.ctx.log.warn({ err, roundId }, "distribution: progress not sent"));
    }
  }
}
