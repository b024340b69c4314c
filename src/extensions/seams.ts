/**
 * What the verticals of one site hand each other, wired here (src/extensions/) and nowhere else:
 * the locker service publishes its compartment-gate slot; the cold chain installs its gate there
 * (a deposit into a zone in alarm is refused, a pickup answer carries the breach). Extensions are
 * built in `VERTICALS` order, so the locker is there before the cold chain looks.
 */
import type { QhError } from "../core/errors.js";
import type { CommissioningSite } from "../domain/commissioning/site.js";
import type { LockerHolds } from "../domain/locker/holds.js";
import type { LockerService } from "../domain/locker/index.js";
import type { CompartmentGate } from "../domain/locker/ports.js";
import type { SiteMode } from "../domain/site/mode-types.js";
import type { TraceLots } from "../domain/trace/lots.js";

export interface SiteSeams {
  /** the site's lines and locker banks for the commissioning tools (src/extensions/ops.ts) */
  commissioning?: CommissioningSite;
  /** set by the locker extension when the site has locker banks */
  locker?: {
    setGate(gate: CompartmentGate | undefined): void;
    /** the trace extension's refusal of a pickup (a recalled lot inside) */
    setPickupGuard(guard: ((parcelId: string) => QhError | undefined) | undefined): void;
  };
  /**
   * set by the trace extension (built after the locker and vending, which read it when a scan or
   * a vend comes, never while being built): lots loaded by scan, what blocks a slot or a pickup
   */
  trace?: TraceLots;
  /**
   * set by the site extension (built first, src/extensions/site.ts, issue 11): the site's service
   * mode, `normal` or `emergency`; the verticals read it and subscribe to its changes
   */
  siteMode?: SiteMode;
  /**
   * set by the locker extension: the compartments it lends another vertical (holds.ts) and the
   * service itself (its terminals), for the distribution rounds (src/extensions/distribution.ts)
   */
  lockerHolds?: LockerHolds;
  lockerService?: LockerService;
  /**
   * set by the distribution extension: a scan at a terminal where a volunteer is loading (a
   * bundle's label), or `qh:volunteer:CODE`; undefined when the scan is not for it
   */
  distribution?: { scan(terminal: string, code: string): Promise<unknown> | undefined };
}
