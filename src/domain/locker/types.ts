import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { QhError } from "../../core/errors.js";
import type { TypedBus } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import type { CodeHasher, CourierCodes, PickupCodes } from "./codes.js";
import type { CompartmentState, CompartmentStore, OutOfServiceReason } from "./compartments.js";
import type { TerminalGuard } from "./lockout.js";
import type { Announcer } from "./outbox.js";
import type { ParcelState, ParcelStore } from "./parcels.js";
import type { CompartmentGate, CompartmentSize, LockPort } from "./ports.js";
import type { LockerSettings } from "./settings.js";

export type DepositStep = "scan" | "size" | "opening" | "open";

/** What a kiosk shows a courier (or a merchant) during a deposit. Never carries a code. */
export interface DepositSessionView {
  terminal: string;
  courier: string | null;
  step: DepositStep;
  barcode?: string;
  orderId?: string;
  /** The size asked for (or the offered one). */
  size?: CompartmentSize;
  parcelId?: string;
  device?: string;
  compartment?: string;
  /** Parcels deposited in this session. */
  deposits: number;
  /** Free usable compartments per size, for the size picker. */
  available: Partial<Record<CompartmentSize, number>>;
  /** The smallest free size: what the courier is offered if they pick none. */
  offer?: CompartmentSize;
  last?: DepositOutcomeView;
}

export interface DepositOutcomeView {
  outcome: "deposited" | "deposit_failed" | "moved_after_jam" | "no_compartment";
  parcelId?: string;
  device?: string;
  compartment?: string;
  reason?: string;
}

export interface PickupResult {
  parcelId: string;
  device: string;
  compartment: string;
  /**
   * pulsed: the lock took the pulse; already_open: the door was open and is now this request's
   * (a remote open). A pickup never answers "pending": a pulse already under way for the code
   * belongs to another request (409 QH_LOCKER_BUSY).
   */
  door: "pulsed" | "pending" | "already_open";
  /** What another vertical adds (CompartmentGate.pickupNotice), e.g. the cold chain's breach. */
  [notice: string]: unknown;
}

export interface RetrieveResult {
  courier: string;
  opened: PickupResult[];
  failed: Array<{
    parcelId: string;
    device: string;
    compartment: string;
    error: { code: string; message: string };
  }>;
}

export interface ReservationView {
  orderId: string;
  parcelId: string;
  device: string;
  compartment: string;
  size: CompartmentSize;
  compartmentSize: CompartmentSize;
  deadline: string;
  state: ParcelState;
}

export interface CompartmentView {
  device: string;
  compartment: string;
  size: CompartmentSize;
  state: CompartmentState;
  reason: OutOfServiceReason | null;
  note: string | null;
  reachable: boolean;
  doorOpen: boolean | null;
  present: boolean | null;
  parcelId: string | null;
  /**
   * What holds the compartment when another vertical lent it (src/domain/locker/holds.ts), e.g.
   * `{ owner: "distribution", item: "<bundleId>" }` for a round's bundle; null otherwise.
   */
  holder: { owner: string; item: string } | null;
}

export interface ParcelView {
  parcelId: string;
  kind: "delivery" | "reservation";
  orderId: string | null;
  barcode: string | null;
  device: string | null;
  compartment: string | null;
  size: CompartmentSize;
  courier: string | null;
  state: ParcelState;
  deadline: string | null;
  depositedAt: string | null;
  closedAt: string | null;
}

/** Local notices for kiosks and the console (not business events: those go to the EventSink). */
export interface LockerNotices extends Record<string, unknown> {
  deposit: DepositSessionView & { ended?: boolean };
  collect: {
    kind: "pickup" | "retrieve";
    terminal: string | null;
    parcelId: string;
    device: string;
    compartment: string;
    status: "open" | "done" | "not_removed" | "jammed";
    /** true: a distribution round's bundle of supplies, not a parcel (the kiosk's words say so) */
    bundle?: boolean;
  };
}

/** The kiosk terminals: which exist, and which locker devices each serves (undefined: all). */
export interface TerminalScope {
  devicesFor(terminal: string): readonly string[] | undefined;
  /**
   * A terminal id must be well-formed (QH_LOCKER_INPUT_INVALID) and, when the service was given
   * its terminals, one of them (QH_LOCKER_TERMINAL_UNKNOWN, a 404 at the API).
   */
  require(terminal: unknown): asserts terminal is string;
}

/** What the flows share. One per service. */
export interface LockerContext {
  db: Database.Database;
  clock: Clock;
  settings: LockerSettings;
  log: Logger;
  port: LockPort;
  announcer: Announcer;
  compartments: CompartmentStore;
  parcels: ParcelStore;
  pickupCodes: PickupCodes;
  courierCodes: CourierCodes;
  hasher: CodeHasher;
  guard: TerminalGuard;
  terminals: TerminalScope;
  notices: TypedBus<LockerNotices>;
  newId: () => string;
  /** another vertical's say over compartments (the cold chain); undefined: all eligible */
  gate?: CompartmentGate;
  /**
   * Another vertical's refusal of a resident's pickup (traceability: a parcel holding a recalled
   * lot), asked once the code is right and before the door is pulsed; undefined: collect.
   */
  pickupGuard?: (parcelId: string) => QhError | undefined;
  /** A resident's code that matched no parcel, offered to a holder first (holds.ts: a bundle's code). */
  codeFallback?: (terminal: string, code: string) => Promise<PickupResult | undefined>;
}
