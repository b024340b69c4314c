import { QhError } from "../../core/errors.js";
import { parsePickupInput } from "./codes.js";
import { closeCollection, notifyCollect } from "./collection.js";
import { refOf } from "./compartments.js";
import type { DoorChange, DoorReactor, DoorTruth } from "./doors.js";
import type { LockerContext, PickupResult } from "./types.js";

/**
 * Resident pickup, offline: the code (typed, or scanned as `qh:pickup:<code>`) is checked against
 * the keyed hashes in SQLite. A wrong code counts towards the terminal's lockout. A right code
 * pulses the door; the code is spent when the door opens (door truth) and parcel.picked_up is
 * emitted when it closes. If the presence sensor still sees the parcel after the close, the
 * pickup did not happen: parcel.not_removed, and the code works again. The same code at several
 * terminals at once opens one door, and only the terminal whose request pulsed it is answered with
 * the door; every other one gets 409 QH_LOCKER_BUSY.
 */
export class PickupDesk implements DoorReactor {
  constructor(
    private readonly ctx: LockerContext,
    private readonly doors: DoorTruth,
  ) {}

  async pickup(terminal: string, input: string): Promise<PickupResult> {
    const { guard, pickupCodes, parcels, terminals } = this.ctx;
    this.ctx.terminals.require(terminal);
    guard.assertOpen(terminal);
    const code = parsePickupInput(input);
    const parcelId = code === undefined ? undefined : pickupCodes.parcelFor(code);
    const p = parcelId === undefined ? undefined : parcels.get(parcelId);
    if (!p || p.device === null || p.compartment === null) {
      // a distribution bundle's code (holds.ts) before it counts as wrong
      const other = code === undefined ? undefined : await this.ctx.codeFallback?.(terminal, code);
      return other ?? guard.wrong(terminal, "pickup");
    }
    const ref = refOf({ device: p.device, compartment: p.compartment });
    if (p.state === "reserved" || p.state === "depositing") {
      throw new QhError("QH_LOCKER_PARCEL_UNKNOWN", "this parcel has not been deposited yet");
    }
    if (p.state === "retrieving") {
      throw new QhError("QH_LOCKER_BUSY", "this parcel is being taken back by the courier");
    }
    const scope = terminals.devicesFor(terminal);
    if (scope && !scope.includes(p.device)) {
      throw new QhError("QH_LOCKER_WRONG_TERMINAL", `this parcel is in locker ${p.device}`, {
        device: p.device,
      });
    }
    guard.reset(terminal);
    // e.g. a recalled lot inside (traceability): refused before anything moves
    const refused = this.ctx.pickupGuard?.(p.id);
    if (refused) throw refused;
    if (p.state === "collecting") {
      // The door opened for this code moments ago (at this terminal or another) and is still open:
      // only the terminal that opened it was told so.
      throw new QhError("QH_LOCKER_BUSY", "the door for this code is already open", {
        parcelId: p.id,
        ...ref,
        door: "open",
      });
    }
    const door = await this.doors.pulse(ref, { purpose: "pickup", parcelId: p.id, terminal });
    if (door === "pending") {
      // The same code at another terminal (or twice) at the same moment: one pulse is under way,
      // and it answers the terminal that sent it.
      throw new QhError("QH_LOCKER_BUSY", "the door for this code is being opened", {
        parcelId: p.id,
        ...ref,
        door: "opening",
      });
    }
    return { parcelId: p.id, ...ref, door };
  }

  opened(c: DoorChange): void {
    const p = c.parcel;
    if (!p || (p.state !== "stored" && p.state !== "overdue")) return;
    if (c.intent?.purpose !== "pickup" || c.intent.parcelId !== p.id) return;
    this.ctx.parcels.patch(p.id, { state: "collecting", terminal: c.intent.terminal ?? null }, c.out.now);
    this.ctx.compartments.refresh(c.ref, c.out.now);
    const terminal = c.intent.terminal ?? null;
    notifyCollect(this.ctx, c, "pickup", terminal, p.id, "open");
  }

  closed(c: DoorChange): void {
    const p = c.parcel;
    if (p?.state !== "collecting") return;
    closeCollection(this.ctx, c, p, {
      kind: "pickup",
      notRemoved: {
        state: p.overdue_at === null ? "stored" : "overdue",
        data: { by: "resident", terminal: p.terminal },
      },
      done: {
        state: "picked_up",
        event: "parcel.picked_up",
        data: { courier: p.courier, terminal: p.terminal, overdue: p.overdue_at !== null },
      },
    });
  }

  jammed(c: DoorChange): void {
    const p = c.parcel;
    if (!p || c.intent?.purpose !== "pickup" || c.intent.parcelId !== p.id) return;
    notifyCollect(this.ctx, c, "pickup", c.intent.terminal ?? null, p.id, "jammed");
  }
}
