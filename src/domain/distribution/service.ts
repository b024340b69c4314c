/**
 * Distribution rounds (issue 11, emergency supply: bulk contactless hand-out through the lockers).
 * It knows no transport and moves no door itself: it holds compartments and pulses their locks
 * through the locker (src/domain/locker/holds.ts), so the locker's door truth (a pulse recorded
 * before it is sent, never repeated blindly, a jam after doorOpenTimeoutSeconds), its outbox
 * (events durable with the state change, sent later when the uplink is down) and its guessing
 * guard are the ones parcels have.
 *
 *   platform ──► distribution.load · distribution.close        (emergency mode only to load)
 *   volunteer ─► start(code) · label(bundleId) ──► a compartment that suits it (or the queue)
 *   resident ──► the locker's code entry ──► collect(code) within the bundle's slot
 *   site mode ─► back to normal: rounds close, sessions end, bundles inside stay collectable
 */

import { type Clock, systemClock } from "../../core/clock.js";
import type { CommandHandler } from "../../core/command.js";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { type Listener, TypedBus } from "../../core/event-bus.js";
import { type Logger, silentLogger } from "../../core/logger.js";
import type { LockerHolds } from "../locker/holds.js";
import type { SiteMode } from "../site/mode-types.js";
import { CollectDesk } from "./collect.js";
import type { BundleLotHooks, DistributionContext, DistributionNotices, LoadingView } from "./context.js";
import { invalid, readLoad } from "./load-args.js";
import { LoadingDesk } from "./loading.js";
import { unclaim } from "./placing.js";
import { RetrieveDesk } from "./retrieve.js";
import { RoundDesk } from "./rounds.js";
import { migrateDistribution } from "./schema.js";
import { DistributionStore, iso, type RoundCounts } from "./store.js";

export interface DistributionServiceOptions {
  holds: LockerHolds;
  mode: SiteMode;
  /** the gateway's id: the device of round-level events (progress, unclaimed) */
  siteDevice: string;
  /** cold zone id → kind (config cold.zones): where chilled and frozen bundles go */
  zoneKinds?: ReadonlyMap<string, string>;
  clock?: Clock;
  logger?: Logger;
  /** how often start() runs sweep() (ms); 0: never (tests call it). Default 1000. */
  sweepIntervalMs?: number;
}

export interface QueueEntry {
  bundleId: string;
  roundId: string;
  size: string | null;
  zone: string;
  since: string | null;
}

export class DistributionService {
  private readonly ctx: DistributionContext;
  private readonly rounds: RoundDesk;
  private readonly loading: LoadingDesk;
  private readonly collecting: CollectDesk;
  private readonly retrieving: RetrieveDesk;
  private readonly offs: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly sweepIntervalMs: number;

  constructor(opts: DistributionServiceOptions) {
    const clock = opts.clock ?? systemClock;
    const log = (opts.logger ?? silentLogger()).child({ component: "distribution" });
    const db = opts.holds.db;
    migrateDistribution(db);
    const notices = new TypedBus<DistributionNotices>((event, err) =>
      log.warn({ err, event }, "distribution notice listener failed"),
    );
    let rounds: RoundDesk | undefined;
    this.ctx = {
      store: new DistributionStore(db),
      holds: opts.holds,
      mode: opts.mode,
      clock,
      log,
      siteDevice: opts.siteDevice,
      zoneKinds: opts.zoneKinds ?? new Map(),
      notices,
      touched: (roundId) => rounds?.touched(roundId),
    };
    rounds = new RoundDesk(this.ctx);
    this.rounds = rounds;
    this.retrieving = new RetrieveDesk(this.ctx);
    this.loading = new LoadingDesk(this.ctx, () => this.retrieving.anyToRetrieve());
    this.collecting = new CollectDesk(this.ctx);
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 1000;
  }

  /**
   * The trace part's hooks (a recalled lot blocks a bundle's loading and collection; lots named in
   * `distribution.load` are recorded); undefined removes them.
   */
  setLotHooks(hooks: BundleLotHooks | undefined): void {
    this.ctx.lots = hooks;
  }

  /** Joins the locker's doors and code entry, listens to the site mode, starts the timer. */
  async start(): Promise<void> {
    const { holds, mode, log } = this.ctx;
    this.offs.push(
      holds.addReactor(this.loading),
      holds.addReactor(this.collecting),
      holds.addReactor(this.retrieving),
    );
    holds.setCodeFallback((terminal, code) => this.collecting.collect(terminal, code));
    this.offs.push(() => holds.setCodeFallback(undefined));
    // a code any bundle ever had is never a parcel's: its household may keep the slip
    holds.setCodeInUse((hash) => this.ctx.store.everHadCode(hash));
    this.offs.push(() => holds.setCodeInUse(undefined));
    this.offs.push(
      mode.onChange((next, previous) => {
        if (previous.mode === "emergency" && next.mode !== "emergency")
          this.leaveEmergency().catch((err: unknown) =>
            log.error({ err }, "distribution: leaving emergency failed"),
          );
      }),
    );
    await this.recover();
    // a gateway that was stopped in emergency and starts in normal mode: the rounds close now
    if (mode.current().mode !== "emergency" && this.ctx.store.openRounds().length > 0)
      await this.leaveEmergency();
    if (this.sweepIntervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.sweep().catch((err: unknown) => log.error({ err }, "distribution sweep failed"));
      }, this.sweepIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * After a restart no volunteer session survives: a bundle whose door never opened and whose
   * pulse is no longer pending goes back to be scanned again (its compartment freed); one whose
   * door opened is loaded when the door shuts (door truth decides, not the session).
   */
  private async recover(): Promise<void> {
    const { store, holds } = this.ctx;
    for (const b of store.inState("loading")) {
      if (b.door_opened === 1 || b.device === null || b.compartment === null) continue;
      if (holds.compartment({ device: b.device, compartment: b.compartment })?.pulse_pending === 1) continue;
      await holds.commit((out) => {
        const cur = store.bundle(b.bundle_id);
        if (cur?.state === "loading" && cur.door_opened === 0) unclaim(this.ctx, out, cur, "pending");
      });
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    for (const off of this.offs.splice(0)) off();
  }

  /** Rounds past closesAt close; idle volunteer sessions end; progress (at most once a minute). */
  sweep(now: number = this.ctx.clock.now()): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      this.loading.sweep();
      await this.rounds.sweep(now);
    })().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /**
   * Back to normal service: loading sessions end, every open round closes (its unclaimed bundles
   * listed); a bundle still inside stays, collectable with its code at any time, and its
   * compartment stays held (no parcel gets it) until it is emptied.
   */
  async leaveEmergency(): Promise<void> {
    this.loading.endAll();
    const n = await this.rounds.closeAll("mode_normal");
    const inside = this.ctx.store.inState("loaded").length;
    this.ctx.log.info({ roundsClosed: n, bundlesInside: inside }, "distribution: emergency mode left");
  }

  // --- volunteers -----------------------------------------------------------------------------

  startLoading(terminal: string, code: string): Promise<LoadingView> {
    return this.loading.start(terminal, code);
  }
  scanLabel(terminal: string, label: string): Promise<LoadingView> {
    return this.loading.label(terminal, label);
  }
  endLoading(terminal: string): void {
    this.loading.end(terminal);
  }
  loadingSession(terminal: string): LoadingView | undefined {
    return this.loading.current(terminal);
  }

  /**
   * A signed-in volunteer takes a recalled bundle, or one left from a closed round, back out of its
   * compartment (retrieve.ts): its door is pulsed once through door truth; the bundle is
   * `retrieved` (`distribution.retrieved`) when the door shuts with it gone. Volunteers may sign
   * in for this outside emergency mode while such a bundle is in the lockers.
   */
  async retrieve(terminal: string, bundleId: string): Promise<JsonObject> {
    const volunteer = this.loading.volunteerAt(terminal);
    return this.retrieving.retrieve(terminal, volunteer, bundleId);
  }

  /** Bundles in the lockers a volunteer may take back now (recalled, or their round closed). */
  toRetrieve(): Array<{
    bundleId: string;
    roundId: string;
    device: string;
    compartment: string;
    reason: string;
  }> {
    const out = [];
    for (const b of this.ctx.store.inState("loaded")) {
      const reason = this.retrieving.reasonFor(b);
      if (reason && b.device !== null && b.compartment !== null)
        out.push({
          bundleId: b.bundle_id,
          roundId: b.round_id,
          device: b.device,
          compartment: b.compartment,
          reason,
        });
      if (out.length >= 100) break;
    }
    return out;
  }

  /** Resident: a bundle's code (the locker's code entry reaches it through its fallback). */
  collect(terminal: string, code: string) {
    return this.collecting.collect(terminal, code);
  }

  // --- views ----------------------------------------------------------------------------------

  /** Bundles waiting for a compartment that suits them, oldest first (at most 100). */
  queue(): QueueEntry[] {
    return this.ctx.store
      .inState("waiting")
      .slice(0, 100)
      .map((b) => ({
        bundleId: b.bundle_id,
        roundId: b.round_id,
        size: b.size,
        zone: b.zone,
        since: iso(b.queued_at),
      }));
  }

  /** Open rounds and their counts. */
  openRounds(): Array<{ roundId: string; closesAt: string | null; counts: RoundCounts }> {
    return this.ctx.store.openRounds().map((r) => ({
      roundId: r.round_id,
      closesAt: iso(r.closes_at),
      counts: this.ctx.store.counts(r.round_id),
    }));
  }

  round(roundId: string): JsonObject {
    const r = this.ctx.store.round(roundId);
    if (!r) throw new QhError("QH_DIST_ROUND_UNKNOWN", `no distribution round ${roundId}`, { roundId });
    return {
      roundId,
      state: r.state,
      closesAt: iso(r.closes_at),
      closedAt: iso(r.closed_at),
      counts: { ...this.ctx.store.counts(roundId) },
    };
  }

  /** The round of a bundle, or undefined for an unknown bundle. */
  bundleRound(bundleId: string): string | undefined {
    return this.ctx.store.bundle(bundleId)?.round_id;
  }

  /**
   * A round's bundles (the installer's view: `GET /distribution/rounds/{id}/bundles`), in load
   * order: `{ bundleId, household, state, device, compartment, slot, loadedAt, collectedAt }`;
   * never a code. QH_DIST_ROUND_UNKNOWN.
   */
  bundles(roundId: string): JsonObject[] {
    if (!this.ctx.store.round(roundId))
      throw new QhError("QH_DIST_ROUND_UNKNOWN", `no distribution round ${roundId}`, { roundId });
    return this.ctx.store.roundBundles(roundId).map((b) => ({
      bundleId: b.bundle_id,
      household: b.household,
      state: b.state,
      device: b.device,
      compartment: b.compartment,
      slot:
        b.slot_from !== null && b.slot_to !== null ? { from: iso(b.slot_from), to: iso(b.slot_to) } : null,
      loadedAt: iso(b.loaded_at),
      collectedAt: iso(b.collected_at),
    }));
  }

  bundleState(bundleId: string): string | undefined {
    return this.ctx.store.bundle(bundleId)?.state;
  }

  on<K extends keyof DistributionNotices>(notice: K, listener: Listener<DistributionNotices[K]>): () => void {
    return this.ctx.notices.on(notice, listener);
  }

  /** Progress due now (tests; the sweep does it on the timer). */
  sendProgress(): Promise<void> {
    return this.rounds.sendProgress();
  }

  // --- platform -------------------------------------------------------------------------------

  /**
   * - distribution.load  { roundId, closesAt?, bundles: [{ bundleId, household, code, slot?, size?, zone? }] }
   * - distribution.close { roundId }
   */
  commands(): Record<string, CommandHandler> {
    return {
      "distribution.load": async (args) => {
        const { input, problems } = readLoad(args, this.ctx.holds.settings.codeLength);
        return this.rounds.load(input, problems);
      },
      "distribution.close": async (args) => {
        const roundId = args.roundId;
        const problems: string[] = [];
        for (const k of Object.keys(args))
          if (k !== "roundId") problems.push(`args.${k}: unknown argument (roundId)`);
        if (typeof roundId !== "string" || roundId.length === 0 || roundId.length > 64)
          problems.push(
            roundId === undefined ? "args.roundId: is required" : "args.roundId: must be 1-64 characters",
          );
        if (problems.length > 0) invalid(problems);
        return this.rounds.close(roundId as string, "command");
      },
    };
  }
}
