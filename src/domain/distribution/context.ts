import type { Clock } from "../../core/clock.js";
import type { QhError } from "../../core/errors.js";
import type { TypedBus } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import type { LockerHolds } from "../locker/holds.js";
import type { SiteMode } from "../site/mode-types.js";
import type { PlannedLot } from "./bundle-lots.js";
import type { DistributionStore } from "./store.js";

/** The owner name of the distribution's holds (locker_holds.owner). */
export const HOLD_OWNER = "distribution";

/** What the volunteer's kiosk screen shows (never a code). */
export interface LoadingView {
  terminal: string;
  volunteer: string;
  /** scan: waiting for the next label; opening: a door pulsed; open: the door is open */
  step: "scan" | "opening" | "open";
  bundleId?: string;
  device?: string;
  compartment?: string;
  /** bundles loaded in this session */
  loaded: number;
  last?: {
    /** round_closed: the bundle's round closed before its door opened (no door for it now) */
    outcome: "loaded" | "queued" | "moved_after_jam" | "closed_empty" | "unreachable" | "round_closed";
    bundleId: string;
    device?: string;
    compartment?: string;
  };
}

export interface DistributionNotices extends Record<string, unknown> {
  loading: LoadingView & { ended?: boolean };
  collect: {
    terminal: string | null;
    bundleId: string;
    device: string;
    compartment: string;
    status: "open" | "done" | "not_removed" | "jammed";
  };
}

/**
 * The trace part's hooks (src/extensions/distribution.ts wires them to seams.trace, read when a
 * code, a label or a round comes): a bundle holding a recalled or expired lot is neither loaded nor collected;
 * the lots the platform named in `distribution.load` are checked and recorded with the round.
 */
export interface BundleLotHooks {
  /** QH_TRACE_LOT_RECALLED / QH_TRACE_LOT_EXPIRED when the bundle holds a recalled or expired lot, else undefined */
  refusal(bundleId: string, purpose: "collect" | "load"): QhError | undefined;
  /** why a lot named for a bundle may not be loaded (recalled, expired), or undefined */
  problem(lot: PlannedLot): string | undefined;
  /** record the named lots, in the round's load transaction */
  record(now: number, bundleId: string, lots: readonly PlannedLot[]): void;
}

export interface DistributionContext {
  store: DistributionStore;
  holds: LockerHolds;
  mode: SiteMode;
  clock: Clock;
  log: Logger;
  /** device id of the round-level events (progress, unclaimed): the gateway's id */
  siteDevice: string;
  /** cold zone id → its kind (config cold.zones) */
  zoneKinds: ReadonlyMap<string, string>;
  notices: TypedBus<DistributionNotices>;
  /** the trace part's hooks, when the site records lots (undefined: no lot blocks a bundle) */
  lots?: BundleLotHooks;
  /** a round's counts changed: progress is due (at most once a minute) */
  touched(roundId: string): void;
}
