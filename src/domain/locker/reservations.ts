import { QhError } from "../../core/errors.js";
import { refOf } from "./compartments.js";
import { iso, type ParcelRow, parcelData } from "./parcels.js";
import { type CompartmentSize, sizeRank } from "./ports.js";
import type { LockerContext, ReservationView } from "./types.js";

export interface ReserveInput {
  orderId: string;
  size: CompartmentSize;
  /** Chosen by the platform (it has already told the resident); stored here only as a keyed hash. */
  pickupCode: string;
  /** Pickup deadline (epoch ms): the parcel is overdue after it; an order not deposited by then expires. */
  deadline: number;
  /** Book in this locker only (the command's device). */
  device?: string;
}

/**
 * Reservations from the platform (locker.reserve): the smallest free compartment of at least the
 * size is held for the order; the merchant deposits with depositReserved; the resident picks up
 * with the platform's code. Repeating a reservation with the same arguments returns the same
 * booking; an order not deposited by its deadline expires (reservation.expired).
 */
export class Reservations {
  constructor(private readonly ctx: LockerContext) {}

  async reserve(a: ReserveInput): Promise<ReservationView> {
    const { parcels, compartments, pickupCodes, announcer, newId, clock } = this.ctx;
    // the platform's wall time: only a synchronised clock can call it past
    if (clock.synced() && a.deadline <= clock.now()) {
      throw new QhError("QH_LOCKER_INPUT_INVALID", "deadline: must be in the future");
    }
    return announcer.commit((out) => {
      const existing = parcels.activeByOrder(a.orderId);
      if (existing) {
        const same =
          existing.size === a.size &&
          existing.deadline === a.deadline &&
          pickupCodes.matches(existing.id, a.pickupCode);
        if (same) return view(existing, compartments.get(refOf(located(existing)))?.size ?? existing.size);
        throw new QhError("QH_LOCKER_CONFLICT", `order ${a.orderId} is already booked (${existing.state})`, {
          parcelId: existing.id,
        });
      }
      const target = compartments.free(sizeRank(a.size), a.device === undefined ? undefined : [a.device])[0];
      if (!target) {
        throw new QhError(
          "QH_LOCKER_NO_COMPARTMENT",
          `no free ${a.size} compartment (or larger) for order ${a.orderId}`,
        );
      }
      const id = newId();
      const ref = refOf(target);
      parcels.insert(
        {
          id,
          kind: "reservation",
          orderId: a.orderId,
          ref,
          size: a.size,
          state: "reserved",
          deadline: a.deadline,
        },
        out.now,
      );
      pickupCodes.register(id, a.pickupCode);
      compartments.refresh(ref, out.now);
      const p = parcels.require(id);
      out.emit(ref.device, "reservation.booked", {
        ...parcelData(p),
        size: a.size,
        compartmentSize: target.size,
        deadline: iso(a.deadline),
      });
      return view(p, target.size);
    });
  }

  /** Orders not deposited by their deadline free their compartment. */
  async sweep(now: number): Promise<void> {
    const { parcels, compartments, pickupCodes, announcer, clock } = this.ctx;
    if (!clock.synced()) return; // the platform's deadlines: judged on a synchronised clock only
    const due = parcels.due("reserved", now);
    if (due.length === 0) return;
    await announcer.commit((out) => {
      for (const d of due) {
        const p = parcels.get(d.id);
        if (p?.state !== "reserved") continue;
        pickupCodes.revoke(p.id);
        parcels.patch(p.id, { state: "expired", closed_at: out.now, end_reason: "not_deposited" }, out.now);
        if (p.device !== null && p.compartment !== null) compartments.refresh(refOf(located(p)), out.now);
        out.emit(p.device ?? "locker", "reservation.expired", {
          ...parcelData(p),
          deadline: iso(p.deadline),
        });
      }
    });
  }
}

function located(p: ParcelRow): { device: string; compartment: string } {
  return { device: p.device ?? "", compartment: p.compartment ?? "" };
}

function view(p: ParcelRow, compartmentSize: CompartmentSize): ReservationView {
  return {
    orderId: p.order_id ?? "",
    parcelId: p.id,
    device: p.device ?? "",
    compartment: p.compartment ?? "",
    size: p.size,
    compartmentSize,
    deadline: iso(p.deadline) ?? "",
    state: p.state,
  };
}
