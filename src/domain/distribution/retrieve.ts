import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { DoorChange, DoorReactor } from "../locker/doors.js";
import type { DistributionContext } from "./context.js";
import { unclaimHold } from "./placing.js";
import type { BundleRow, RetrieveReason } from "./store.js";

/** `by` of a bundle taken out with the platform's `locker.open`. */
export const BY_PLATFORM = "platform";

/**
 * Bundles taken back out of their compartment: a recalled bundle (a lot of it recalled), one left
 * unclaimed when its round closed, or any bundle whose door the platform opened (`locker.open`).
 * The door is moved only through the locker's door truth (a volunteer's `retrieve`: pulse purpose
 * `retrieve`, recorded before it is sent, never repeated blindly; the platform's `locker.open`:
 * purpose `remote`). Once that door opened, the bundle is `retrieving`; the door shut with the
 * presence sensor seeing the compartment empty (or, without a sensor, shut again) makes it
 * `retrieved` (`distribution.retrieved`), the compartment free again and the resident's code void
 * (QH_DIST_RETRIEVED). A door shut with the bundle still seen inside leaves it there (`loaded`),
 * as a parcel's courier retrieval does (src/domain/locker/overdue.ts).
 */
export class RetrieveDesk implements DoorReactor {
  constructor(private readonly ctx: DistributionContext) {}

  /**
   * Why `b` may be taken back by a volunteer, or undefined: `recalled` (it holds a recalled lot),
   * else `expired` (a lot of it is past its expiry: its resident is refused it too), else
   * `unclaimed` (its round is closed).
   */
  reasonFor(b: BundleRow): RetrieveReason | undefined {
    const refused = this.ctx.lots?.refusal(b.bundle_id, "collect");
    if (refused?.code === "QH_TRACE_LOT_RECALLED") return "recalled";
    if (refused?.code === "QH_TRACE_LOT_EXPIRED") return "expired";
    if (this.ctx.store.round(b.round_id)?.state === "closed") return "unclaimed";
    return undefined;
  }

  /** Whether some bundle in the lockers may be taken back by a volunteer now. */
  anyToRetrieve(): boolean {
    return this.ctx.store.inState("loaded").some((b) => this.reasonFor(b) !== undefined);
  }

  /**
   * A signed-in volunteer takes `bundleId` back: its door is pulsed once through door truth (a door
   * already open is not pulsed; one being opened answers QH_LOCKER_BUSY). Only a bundle in a
   * compartment that is recalled or whose round is closed (QH_DIST_NOT_RETRIEVABLE otherwise;
   * QH_DIST_BUNDLE_UNKNOWN, QH_DIST_CONFLICT for one not in a compartment, QH_LOCKER_WRONG_TERMINAL
   * for another locker's terminal). Returns `{ bundleId, device, compartment, door, reason }`.
   */
  async retrieve(terminal: string, volunteer: string, bundleId: string): Promise<JsonObject> {
    const { store, holds } = this.ctx;
    const b = store.bundle(bundleId);
    if (!b)
      throw new QhError("QH_DIST_BUNDLE_UNKNOWN", `no bundle ${bundleId} in any distribution round`, {
        bundleId,
      });
    if (b.state === "retrieving" || b.state === "collecting")
      throw new QhError("QH_LOCKER_BUSY", `the door of bundle ${bundleId} is open: shut it first`, {
        device: b.device,
        compartment: b.compartment,
      });
    if (b.state !== "loaded" || b.device === null || b.compartment === null)
      throw new QhError("QH_DIST_CONFLICT", `bundle ${bundleId} is ${b.state}: it is in no compartment`, {
        bundleId,
        state: b.state,
      });
    const reason = this.reasonFor(b);
    if (!reason)
      throw new QhError(
        "QH_DIST_NOT_RETRIEVABLE",
        `bundle ${bundleId} is neither recalled, expired nor left from a closed round: its resident collects it`,
        { bundleId, roundId: b.round_id },
      );
    const ref = { device: b.device, compartment: b.compartment };
    const scope = holds.terminals.devicesFor(terminal);
    if (scope && !scope.includes(ref.device))
      throw new QhError("QH_LOCKER_WRONG_TERMINAL", `this bundle is in locker ${ref.device}`, {
        device: ref.device,
      });
    // who takes it back, read by opened() when the door answers this pulse
    await holds.commit((out) => store.patch(b.bundle_id, { retrieved_by: volunteer }, out.now));
    const door = await holds.pulse(ref, { purpose: "retrieve", parcelId: b.bundle_id, terminal });
    if (door === "pending")
      throw new QhError("QH_LOCKER_BUSY", "the door of this bundle is being opened", {
        ...ref,
        door: "opening",
      });
    return { bundleId: b.bundle_id, ...ref, door, reason };
  }

  opened(c: DoorChange): void {
    const purpose = c.intent?.purpose;
    if (purpose !== "remote" && purpose !== "retrieve") return;
    const b = this.ctx.store.inCompartment(c.ref.device, c.ref.compartment);
    if (b?.state !== "loaded") return;
    if (purpose === "retrieve" && c.intent?.parcelId !== b.bundle_id) return;
    const reason: RetrieveReason = this.reasonFor(b) ?? "remote_open";
    const by = purpose === "remote" ? BY_PLATFORM : (b.retrieved_by ?? "volunteer");
    const terminal = purpose === "retrieve" ? (c.intent?.terminal ?? null) : null;
    this.ctx.store.patch(
      b.bundle_id,
      { state: "retrieving", retrieve_reason: reason, retrieved_by: by, terminal },
      c.out.now,
    );
    this.notify(c, terminal, b.bundle_id, "open");
  }

  closed(c: DoorChange): void {
    const { store } = this.ctx;
    const b = store.inCompartment(c.ref.device, c.ref.compartment);
    if (b?.state !== "retrieving") return;
    if (c.row.has_presence === 1 && c.present === true) {
      // still seen inside: it stays there (its code works again unless it is recalled)
      store.patch(b.bundle_id, { state: "loaded", retrieve_reason: null }, c.out.now);
      this.notify(c, b.terminal, b.bundle_id, "not_removed");
      return;
    }
    const reason = b.retrieve_reason ?? "remote_open";
    store.patch(b.bundle_id, { state: "retrieved", retrieved_at: c.out.now }, c.out.now);
    unclaimHold(this.ctx, c.out, c.ref, b.bundle_id);
    c.out.emit(c.ref.device, "distribution.retrieved", {
      roundId: b.round_id,
      bundleId: b.bundle_id,
      household: b.household,
      device: c.ref.device,
      compartment: c.ref.compartment,
      reason,
      by: b.retrieved_by ?? BY_PLATFORM,
      terminal: b.terminal,
    });
    this.ctx.touched(b.round_id);
    this.notify(c, b.terminal, b.bundle_id, "done");
  }

  jammed(c: DoorChange): void {
    if (c.intent?.purpose !== "retrieve" || c.intent.parcelId === undefined) return;
    const b = this.ctx.store.bundle(c.intent.parcelId);
    if (!b || b.device !== c.ref.device || b.compartment !== c.ref.compartment) return;
    this.notify(c, c.intent.terminal ?? null, b.bundle_id, "jammed");
  }

  private notify(
    c: DoorChange,
    terminal: string | null,
    bundleId: string,
    status: "open" | "done" | "not_removed" | "jammed",
  ): void {
    if (terminal === null) return;
    c.out.afterwards(() => this.ctx.holds.collectNotice(terminal, bundleId, c.ref, status));
  }
}
