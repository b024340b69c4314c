import type { QhError } from "../../core/errors.js";

/**
 * The locker domain's edge: what it needs from the hardware (LockPort, implemented by a driver over
 * the RS-485 bus master and codecs), what the driver tells it (DoorInput), and the compartment
 * layout it is given as plain data (from the device models). The domain knows no transport.
 */

export const COMPARTMENT_SIZES = ["XS", "S", "M", "L", "XL"] as const;
export type CompartmentSize = (typeof COMPARTMENT_SIZES)[number];

export function isCompartmentSize(v: unknown): v is CompartmentSize {
  return typeof v === "string" && (COMPARTMENT_SIZES as readonly string[]).includes(v);
}

/** 0 for XS … 4 for XL: "fits" means a rank at least the parcel's. */
export function sizeRank(size: CompartmentSize): number {
  return COMPARTMENT_SIZES.indexOf(size);
}

/** device = locker device id from config; compartment = the model's compartment id (e.g. "A01"). */
export interface CompartmentRef {
  device: string;
  compartment: string;
}

export interface LockPort {
  /**
   * Pulse the lock, once (never resent). Resolves when the board acknowledged the pulse or, its
   * answer missing or saying nothing about the door, when a read of the board after it succeeded.
   * Rejects with QH_LOCKER_UNREACHABLE whose `details.pulse` is "not_sent" (the frame never left)
   * or "unknown" (it left; neither it nor the read after it was answered: the door may be open).
   * Resolving does NOT mean the door opened: door truth arrives through onDoor.
   */
  open(ref: CompartmentRef): Promise<void>;
}

/** A door sensor reading. `present` is the item-present (infrared) sensor where the compartment has one. */
export interface DoorReport {
  open: boolean;
  present?: boolean;
  /** When the driver saw the change (epoch ms). */
  ts: number;
}

/**
 * What the driver calls, on every change (change-only). After a (re)start the driver reports each
 * door's current state once: its first reading is a change from "unknown".
 */
export interface DoorInput {
  onDoor(ref: CompartmentRef, report: DoorReport): Promise<void>;
  onReachability(device: string, board: string | number, reachable: boolean): void;
}

export interface CompartmentLayout {
  id: string;
  size: CompartmentSize;
  /** the zone kind (ambient, chilled, frozen); allocation by zone is the cold chain's gate */
  zone: string;
  /** false: out of service, reason disabled (the site layout; src/domain/locker/layout-keeper.ts) */
  enabled?: boolean;
  sensors: { door: boolean; presence: boolean };
  /**
   * The board that drives this compartment's lock (the model's `board`). Optional: without it,
   * a board of the device reported unreachable makes all of the device's board-less compartments
   * unreachable.
   */
  board?: string | number;
}

export interface LockerBankLayout {
  device: string;
  compartments: readonly CompartmentLayout[];
}

/**
 * Another vertical's say over compartments (the cold chain's, src/domain/cold/gate.ts): the seam
 * through which a deposit into a compartment whose cold zone is in alarm is refused, and a pickup
 * answer carries what the resident must be told. Asked by the deposit flow when it picks a
 * compartment and by the pickup flow when it answers. Without a gate every compartment is eligible.
 */
export interface CompartmentGate {
  /** The compartment's temperature zone id (a cold zone), or undefined (ambient, not managed). */
  zoneOf(ref: CompartmentRef): string | undefined;
  /** The zone ids a deposit may ask for (a zone not among them is refused: QH_COLD_ZONE_UNKNOWN). */
  zones?(): readonly string[];
  /** Why no deposit may go into `ref` now (a coded error the kiosk shows), or undefined. */
  refusal(ref: CompartmentRef): QhError | undefined;
  /** Fields added to a pickup answer for this parcel (e.g. `coldChainBreach`), or undefined. */
  pickupNotice?(parcelId: string): Record<string, unknown> | undefined;
}
