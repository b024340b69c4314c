/**
 * What the verticals of one site hand each other, wired here (src/extensions/) and nowhere else:
 * the locker service publishes its compartment-gate slot; the cold chain installs its gate there
 * (a deposit into a zone in alarm is refused, a pickup answer carries the breach). Extensions are
 * built in `VERTICALS` order, so the locker is there before the cold chain looks.
 */
import type { CommissioningSite } from "../domain/commissioning/site.js";
import type { CompartmentGate } from "../domain/locker/ports.js";

export interface SiteSeams {
  /** set by the locker extension when the site has locker banks */
  locker?: { setGate(gate: CompartmentGate | undefined): void };
  /** the site's lines and locker banks for the commissioning tools (src/extensions/ops.ts) */
  commissioning?: CommissioningSite;
}
