import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import { type CompartmentSize, isCompartmentSize, type LockerBankLayout, sizeRank } from "./ports.js";
import { ACTIVE_SQL } from "./schema.js";

/** The out-of-service note of a compartment the site layout disables (how it is told apart). */
export const LAYOUT_NOTE = "site layout";

/** What the keeper needs of the locker service: its own disable and enable (events, state). */
export interface LayoutTarget {
  disable(ref: { device: string; compartment: string }, reason?: string): Promise<JsonObject>;
  enable(ref: { device: string; compartment: string }, reason?: string): Promise<JsonObject>;
}

/** A compartment the layout disables that still holds a parcel (or a held item, e.g. a bundle): out of service once emptied. */
export interface PendingDisable {
  device: string;
  compartment: string;
}

/**
 * The site layout's say over the compartments table (buses[].devices[].compartments in the config,
 * src/config/compartments.ts), applied at start and live from the console:
 *
 *  - size: written to the compartments table, so allocation (CompartmentStore.free) ranks it by
 *    the new size at once; a parcel already inside stays where it is, collectible;
 *  - enabled: false: the service's own `disable` (reason `disabled`, note {@link LAYOUT_NOTE},
 *    event compartment.disabled), never allocated again. A compartment that holds an accepted
 *    parcel (reserved, being deposited, stored, overdue, being collected) keeps serving it: it is
 *    disabled once emptied ({@link settle} runs after every state change the service publishes,
 *    synchronously, so no deposit can take the emptied compartment first);
 *  - enabled again: only what the layout disabled is enabled (a platform `compartment.disable`, a
 *    jam or a sensor fault stay as they are).
 *
 * The zone is the cold chain's to honour (its gate, from `cold.zones`): the config checks keep a
 * zone set here and the zone lists in agreement.
 */
export class LayoutKeeper {
  private readonly wanted = new Map<string, LockerBankLayout>();
  private settling = false;
  private again = false;

  constructor(
    private readonly o: { db: Database.Database; target: LayoutTarget; log: Logger; now: () => number },
  ) {}

  /**
   * Takes `banks` as the wanted layout of those banks (others keep theirs): sizes written now,
   * enabled/disabled settled now or, for a compartment holding a parcel, once it is emptied.
   * Resolves when the service's disables and enables are committed.
   */
  async apply(banks: readonly LockerBankLayout[]): Promise<{ pending: PendingDisable[] }> {
    const resize = this.o.db.prepare(
      `UPDATE locker_compartments SET size = ?, size_rank = ?, updated_at = ?
       WHERE device = ? AND compartment = ? AND size != ?`,
    );
    this.o.db.transaction(() => {
      for (const bank of banks) {
        this.wanted.set(bank.device, bank);
        for (const c of bank.compartments) {
          if (!isCompartmentSize(c.size)) continue;
          const n = resize.run(
            c.size,
            sizeRank(c.size as CompartmentSize),
            this.o.now(),
            bank.device,
            c.id,
            c.size,
          );
          if (n.changes > 0)
            this.o.log.info(
              { device: bank.device, compartment: c.id, size: c.size },
              "locker: compartment resized by the site layout",
            );
        }
      }
    })();
    await Promise.all(this.settle());
    return { pending: this.pending() };
  }

  /**
   * Disables and enables what the wanted layout says and the compartments allow now. Runs again
   * after every state change (the locker extension calls it from the state sink); re-entrant calls
   * (from its own disables) are folded into the running one. Returns the service calls made.
   */
  settle(): Promise<unknown>[] {
    if (this.settling) {
      this.again = true;
      return [];
    }
    this.settling = true;
    const calls: Promise<unknown>[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        this.again = false;
        for (const [ref, off] of this.decisions()) {
          // service.disable/enable commit synchronously before their first await
          const call = off ? this.o.target.disable(ref, LAYOUT_NOTE) : this.o.target.enable(ref, LAYOUT_NOTE);
          calls.push(
            call.catch((err: unknown) =>
              this.o.log.warn(
                { err, ...ref, disable: off },
                "locker: site layout not applied to a compartment yet",
              ),
            ),
          );
        }
        if (!this.again) break;
      }
    } finally {
      this.settling = false;
    }
    return calls;
  }

  /** Compartments the layout disables that still hold a parcel or a held item (a distribution bundle). */
  pending(): PendingDisable[] {
    return this.rows()
      .filter((r) => r.off && r.oos_reason !== "disabled" && r.active === 1)
      .map((r) => ({ device: r.device, compartment: r.compartment }));
  }

  private decisions(): [PendingDisable, boolean][] {
    const out: [PendingDisable, boolean][] = [];
    for (const r of this.rows()) {
      const ref = { device: r.device, compartment: r.compartment };
      if (r.off && r.oos_reason !== "disabled" && r.active === 0) out.push([ref, true]);
      else if (!r.off && r.oos_reason === "disabled" && r.oos_note === LAYOUT_NOTE) out.push([ref, false]);
    }
    return out;
  }

  private rows() {
    const q = this.o.db.prepare(
      `SELECT c.device, c.compartment, c.oos_reason, c.oos_note,
         (EXISTS (SELECT 1 FROM locker_parcels p WHERE p.device = c.device AND p.compartment = c.compartment
                 AND p.state IN ${ACTIVE_SQL})
         OR EXISTS (SELECT 1 FROM locker_holds h WHERE h.device = c.device AND h.compartment = c.compartment)) AS active
       FROM locker_compartments c WHERE c.device = ? AND c.retired = 0`,
    );
    const out: {
      device: string;
      compartment: string;
      oos_reason: string | null;
      oos_note: string | null;
      active: number;
      off: boolean;
    }[] = [];
    for (const bank of this.wanted.values()) {
      const off = new Set(bank.compartments.filter((c) => c.enabled === false).map((c) => c.id));
      for (const r of q.all(bank.device) as Omit<(typeof out)[number], "off">[]) {
        // only what concerns the layout: wanted off, or disabled by it
        if (off.has(r.compartment) || r.oos_note === LAYOUT_NOTE)
          out.push({ ...r, off: off.has(r.compartment) });
      }
    }
    return out;
  }
}
