/**
 * What a resident's pickup and a courier's retrieval share once the door is pulsed: a notice for
 * the kiosk at each step, and the close that either ends the collection (the parcel is out) or,
 * when the presence sensor still sees the parcel, undoes it (parcel.not_removed).
 */
import type { JsonObject } from "../../core/envelope.js";
import type { DoorChange } from "./doors.js";
import { type ParcelRow, type ParcelState, parcelData } from "./parcels.js";
import type { LockerContext, LockerNotices } from "./types.js";

type Kind = LockerNotices["collect"]["kind"];
type Status = LockerNotices["collect"]["status"];

export function notifyCollect(
  ctx: LockerContext,
  c: DoorChange,
  kind: Kind,
  terminal: string | null,
  parcelId: string,
  status: Status,
): void {
  c.out.afterwards(() => ctx.notices.emit("collect", { kind, terminal, parcelId, ...c.ref, status }));
}

export interface CollectionEnd {
  kind: Kind;
  /** who was collecting, for parcel.not_removed */
  notRemoved: { state: ParcelState; data: JsonObject };
  done: {
    state: "picked_up" | "retrieved";
    event: "parcel.picked_up" | "parcel.retrieved";
    data: JsonObject;
  };
}

/** The door closed on a parcel being collected. */
export function closeCollection(ctx: LockerContext, c: DoorChange, p: ParcelRow, end: CollectionEnd): void {
  const { parcels, compartments, pickupCodes } = ctx;
  const now = c.out.now;
  if (c.row.has_presence === 1 && c.present === true) {
    parcels.patch(p.id, { state: end.notRemoved.state }, now);
    compartments.refresh(c.ref, now);
    c.out.emit(c.ref.device, "parcel.not_removed", { ...parcelData(p), ...end.notRemoved.data });
    notifyCollect(ctx, c, end.kind, p.terminal, p.id, "not_removed");
    return;
  }
  pickupCodes.revoke(p.id);
  parcels.patch(p.id, { state: end.done.state, closed_at: now, end_reason: end.done.state }, now);
  compartments.refresh(c.ref, now);
  c.out.emit(c.ref.device, end.done.event, { ...parcelData(p), ...end.done.data });
  notifyCollect(ctx, c, end.kind, p.terminal, p.id, "done");
}
