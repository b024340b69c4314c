import type { Clock } from "../../core/clock.js";
import type { TypedBus } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import type { LockerHolds } from "../locker/holds.js";
import type { SiteMode } from "../site/mode-types.js";
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
  /** a round's counts changed: progress is due (at most once a minute) */
  touched(roundId: string): void;
}
