import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { refOf } from "./compartments.js";
import type { DepositDesk } from "./deposit.js";
import type { DoorTruth } from "./doors.js";
import { parcelData } from "./parcels.js";
import type { CompartmentRef } from "./ports.js";
import type { LockerContext } from "./types.js";

/**
 * Customer-service and operator actions (the remote commands' domain side): remote open,
 * out-of-service on and off, cancelling a parcel. Each is idempotent where the physical world
 * allows: a second disable changes nothing, a door already open or already being opened is not
 * pulsed again, the same command id never pulses a door twice.
 */
export class LockerAdmin {
  constructor(
    private readonly ctx: LockerContext,
    private readonly doors: DoorTruth,
    private readonly deposits: DepositDesk,
  ) {}

  async remoteOpen(ref: CompartmentRef, reason: string, commandId?: string): Promise<JsonObject> {
    const { compartments, parcels, announcer } = this.ctx;
    const row = compartments.require(ref);
    if (commandId !== undefined && row.pulse_command === commandId && row.pulse_purpose === "remote") {
      return { ...ref, door: "duplicate" };
    }
    await announcer.commit((out) => {
      const parcel = parcels.activeIn(ref);
      out.emit(ref.device, "door.remote_open_requested", {
        ...ref,
        reason,
        ...(commandId !== undefined ? { commandId } : {}),
        ...(parcel ? { parcelId: parcel.id } : {}),
      });
    });
    const door = await this.doors.pulse(ref, { purpose: "remote", commandId });
    return { ...ref, door };
  }

  async disable(ref: CompartmentRef, reason?: string): Promise<JsonObject> {
    const { compartments, parcels, announcer } = this.ctx;
    return announcer.commit((out) => {
      const row = compartments.require(ref);
      if (row.oos_reason === "disabled") return { ...ref, state: row.state, changed: false };
      compartments.setOutOfService(ref, "disabled", reason ?? null, out.now);
      const parcel = parcels.activeIn(ref);
      out.emit(ref.device, "compartment.disabled", {
        ...ref,
        reason: reason ?? null,
        previousReason: row.oos_reason,
        ...(parcel ? { parcelId: parcel.id } : {}),
      });
      return { ...ref, state: "out_of_service", changed: true };
    });
  }

  async enable(ref: CompartmentRef, reason?: string): Promise<JsonObject> {
    const { compartments, announcer } = this.ctx;
    return announcer.commit((out) => {
      const row = compartments.require(ref);
      if (row.oos_reason === null) return { ...ref, state: row.state, changed: false };
      compartments.clearOutOfService(ref, out.now);
      const state = compartments.require(ref).state;
      out.emit(ref.device, "compartment.enabled", {
        ...ref,
        previousReason: row.oos_reason,
        reason: reason ?? null,
        state,
      });
      return { ...ref, state, changed: true };
    });
  }

  /** The driver or an installer saw a sensor that cannot be trusted. */
  async sensorFault(ref: CompartmentRef, note: string): Promise<void> {
    const { compartments, announcer } = this.ctx;
    await announcer.commit((out) => {
      const row = compartments.require(ref);
      if (row.oos_reason === "sensor_fault" || row.oos_reason === "disabled") return;
      compartments.setOutOfService(ref, "sensor_fault", note, out.now);
      out.emit(ref.device, "compartment.sensor_fault", { ...ref, note });
    });
  }

  /**
   * Cancel a parcel. Not deposited yet (a reservation, or a deposit whose door has not opened):
   * cancelled, compartment freed. Deposited: the pickup code is revoked and the parcel is recalled
   * (state overdue) for the courier to take back; with `force` (customer service confirms it is
   * no longer inside) the record closes and the compartment is free at once.
   */
  async cancel(parcelId: string, force = false): Promise<JsonObject> {
    const { parcels, compartments, pickupCodes, announcer } = this.ctx;
    return announcer.commit((out) => {
      const p = parcels.require(parcelId);
      const now = out.now;
      const at =
        p.device !== null && p.compartment !== null
          ? refOf({ device: p.device, compartment: p.compartment })
          : undefined;
      const finish = (inCompartment: boolean): JsonObject => {
        pickupCodes.revoke(p.id);
        parcels.patch(
          p.id,
          { state: "cancelled", closed_at: now, end_reason: force ? "cancelled_forced" : "cancelled" },
          now,
        );
        if (at) compartments.refresh(at, now);
        out.emit(p.device ?? "locker", "parcel.cancelled", {
          ...parcelData(p),
          inCompartment,
          forced: force,
        });
        return { parcelId: p.id, state: "cancelled", changed: true };
      };
      switch (p.state) {
        case "picked_up":
        case "retrieved":
        case "cancelled":
        case "failed":
        case "expired":
          return { parcelId: p.id, state: p.state, changed: false };
        case "collecting":
        case "retrieving":
          throw new QhError(
            "QH_LOCKER_BUSY",
            `parcel ${p.id} is being taken out right now; retry when its door closes`,
          );
        case "reserved":
          return finish(false);
        case "depositing":
          if (p.door_opened === 1) {
            throw new QhError(
              "QH_LOCKER_BUSY",
              `parcel ${p.id} is being deposited right now; retry when its door closes`,
            );
          }
          out.afterwards(() => this.deposits.forgetParcel(p.id));
          return finish(false);
        case "stored":
        case "overdue": {
          if (force) return finish(false);
          if (p.recalled_at !== null) return { parcelId: p.id, state: p.state, changed: false };
          pickupCodes.revoke(p.id);
          parcels.patch(p.id, { state: "overdue", recalled_at: now, overdue_at: p.overdue_at ?? now }, now);
          if (at) compartments.refresh(at, now);
          out.emit(p.device ?? "locker", "parcel.cancelled", {
            ...parcelData(p),
            inCompartment: true,
            forced: false,
            courier: p.courier,
          });
          return { parcelId: p.id, state: "overdue", recalled: true, changed: true };
        }
      }
    });
  }
}
