/**
 * The locker extension's part of the site layout (issue 12): a bank's compartments as the site
 * config lays them out (the model's, with `buses[].devices[].compartments` applied), and the port
 * through which the provisioning API applies a saved change live (PATCH /api/v1/locker/{bank}/layout).
 */
import { type CompartmentOverrides, effectiveCompartment } from "../config/compartments.js";
import type { LockerBankModel } from "../config/models.js";
import type { Logger } from "../core/logger.js";
import { LayoutKeeper, type PendingDisable } from "../domain/locker/layout-keeper.js";
import { type Occupant, occupants } from "../domain/locker/occupants.js";
import type { LockerBankLayout } from "../domain/locker/ports.js";
import type { LockerService } from "../domain/locker/service.js";
import type { CompartmentView } from "../domain/locker/types.js";
import { type BankBoard, LockerBankDriver } from "../drivers/locker-bank.js";
import type { Db } from "../store/db.js";

/** What the provisioning API asks of the running locker (src/api/provisioning/layout.ts). */
export interface LockerLayoutPort {
  /** The bank's compartments as the locker runs them (state, out-of-service reason), or undefined. */
  view(bank: string): CompartmentView[] | undefined;
  /** Applies the bank's new overrides live; `pending`: disabled once emptied. */
  apply(bank: string, overrides: CompartmentOverrides | undefined): Promise<{ pending: PendingDisable[] }>;
  /** Compartments the layout disables that still hold a parcel. */
  pending(): PendingDisable[];
  /** The bank's compartments holding an active parcel, a reservation or a hold (from the store). */
  occupants(bank: string): Occupant[];
}

/** The domain's layout of one bank with the site's overrides (size, zone, enabled). */
export function siteLayout(
  device: string,
  boards: BankBoard[],
  model: LockerBankModel,
  overrides: CompartmentOverrides | undefined,
): LockerBankLayout {
  const eff = model.compartments.map((c) => effectiveCompartment(c, overrides));
  const base = LockerBankDriver.layout(device, boards, eff);
  return {
    device,
    compartments: base.compartments.map((c, i) => ({ ...c, enabled: eff[i]!.enabled })),
  };
}

/**
 * The keeper and the port for the banks built by the locker extension. `banks`: bank id → its
 * boards and model (filled while the lines are built). Call `settle` from the state sink.
 */
export function lockerLayoutPort(o: {
  db: Db;
  log: Logger;
  now: () => number;
  service: () => LockerService;
  banks: ReadonlyMap<string, { boards: BankBoard[]; model: LockerBankModel }>;
}): { port: LockerLayoutPort; keeper: LayoutKeeper } {
  const keeper = new LayoutKeeper({
    db: o.db,
    log: o.log,
    now: o.now,
    target: {
      disable: (ref, reason) => o.service().disable(ref, reason),
      enable: (ref, reason) => o.service().enable(ref, reason),
    },
  });
  const port: LockerLayoutPort = {
    view: (bank) => (o.banks.has(bank) ? o.service().compartments(bank) : undefined),
    apply: (bank, overrides) => {
      const b = o.banks.get(bank);
      if (!b) return Promise.resolve({ pending: keeper.pending() });
      return keeper.apply([siteLayout(bank, b.boards, b.model, overrides)]);
    },
    pending: () => keeper.pending(),
    occupants: (bank) => occupants(o.db, bank),
  };
  return { port, keeper };
}
