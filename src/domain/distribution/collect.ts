import { QhError } from "../../core/errors.js";
import type { DoorChange, DoorReactor } from "../locker/doors.js";
import type { PickupResult } from "../locker/types.js";
import type { DistributionContext } from "./context.js";
import { unclaimHold } from "./placing.js";
import { iso } from "./store.js";

/**
 * Residents collect their bundle with its code, contactless, at the kiosk's usual code entry (the
 * locker offers a code that matched no parcel here before counting it wrong: holds.ts). Within
 * the bundle's time slot only while its round is open (outside it: QH_DIST_OUTSIDE_SLOT with the
 * slot, to spread the residents over the day); once the round is closed, or emergency mode left,
 * a bundle still inside is handed out at any time. A code that matches nothing counts toward the
 * same lockout as a wrong pickup code (the locker's guard).
 */
export class CollectDesk implements DoorReactor {
  constructor(private readonly ctx: DistributionContext) {}

  /** The locker's code fallback: undefined when the code is no bundle's (the locker counts it wrong). */
  async collect(terminal: string, code: string): Promise<PickupResult | undefined> {
    const { store, holds, clock } = this.ctx;
    const hash = holds.hasher.hash("pickup", code);
    const b = store.byCode(hash);
    if (!b) {
      const gone = store.retrievedByCode(hash);
      if (!gone) return undefined;
      // neither counts as wrong nor resets the count: it opens nothing
      throw new QhError(
        "QH_DIST_RETRIEVED",
        gone.retrieve_reason === "recalled"
          ? "your bundle was taken back out of the locker: it held a recalled product; ask the volunteers"
          : gone.retrieve_reason === "expired"
            ? "your bundle was taken back out of the locker: it held a product past its expiry date; ask the volunteers"
            : "your bundle was taken back out of the locker: ask the volunteers",
        // nothing that names the bundle to whoever typed the code (it may be a guess)
        { reason: gone.retrieve_reason },
      );
    }
    if (b.state === "pending" || b.state === "waiting" || b.state === "loading")
      throw new QhError(
        "QH_DIST_NOT_LOADED",
        "this bundle is not in the locker yet: volunteers are loading the round",
        // nothing that names the bundle to whoever typed the code (it may be a guess)
        { state: b.state },
      );
    // a recalled or expired lot inside: refused before any door moves (local records: offline too)
    const recalled = this.ctx.lots?.refusal(b.bundle_id, "collect");
    if (recalled) throw recalled;
    const ref = { device: b.device as string, compartment: b.compartment as string };
    const scope = holds.terminals.devicesFor(terminal);
    if (scope && !scope.includes(ref.device))
      throw new QhError("QH_LOCKER_WRONG_TERMINAL", `this bundle is in locker ${ref.device}`, {
        device: ref.device,
      });
    const roundOpen = store.round(b.round_id)?.state === "open";
    const now = clock.now();
    if (roundOpen && b.slot_from !== null && b.slot_to !== null && (now < b.slot_from || now >= b.slot_to)) {
      const slot = { from: iso(b.slot_from), to: iso(b.slot_to) };
      throw new QhError(
        "QH_DIST_OUTSIDE_SLOT",
        now < b.slot_from
          ? `your bundle is ready from ${slot.from} to ${slot.to}: please come then`
          : `your time slot was ${slot.from} to ${slot.to}: the bundle is handed out when the round closes`,
        { slot, early: now < b.slot_from },
      );
    }
    if (b.state === "collecting")
      throw new QhError("QH_LOCKER_BUSY", "the door for this code is already open", { ...ref, door: "open" });
    if (b.state === "retrieving")
      throw new QhError("QH_LOCKER_BUSY", "this bundle is being taken back out of the locker", {
        ...ref,
        door: "open",
      });
    const door = await holds.pulse(ref, { purpose: "collect", parcelId: b.bundle_id, terminal });
    if (door === "pending")
      throw new QhError("QH_LOCKER_BUSY", "the door for this code is being opened", {
        ...ref,
        door: "opening",
      });
    // the lockout is reset only by a code that moved a door (not by one's own bundle not loaded yet)
    holds.guard.reset(terminal);
    return { parcelId: b.bundle_id, bundleId: b.bundle_id, kind: "bundle", ...ref, door };
  }

  opened(c: DoorChange): void {
    if (c.intent?.purpose !== "collect" || c.intent.parcelId === undefined) return;
    const b = this.ctx.store.bundle(c.intent.parcelId);
    if (b?.state !== "loaded" || b.device !== c.ref.device || b.compartment !== c.ref.compartment) return;
    const terminal = c.intent.terminal ?? null;
    this.ctx.store.patch(b.bundle_id, { state: "collecting", terminal }, c.out.now);
    this.notify(c, terminal, b.bundle_id, "open");
  }

  closed(c: DoorChange): void {
    const { store } = this.ctx;
    const b = store.inCompartment(c.ref.device, c.ref.compartment);
    if (b?.state !== "collecting") return;
    if (c.row.has_presence === 1 && c.present === true) {
      store.patch(b.bundle_id, { state: "loaded" }, c.out.now);
      this.notify(c, b.terminal, b.bundle_id, "not_removed");
      return;
    }
    store.patch(b.bundle_id, { state: "collected", collected_at: c.out.now }, c.out.now);
    unclaimHold(this.ctx, c.out, c.ref, b.bundle_id);
    c.out.emit(c.ref.device, "distribution.collected", {
      roundId: b.round_id,
      bundleId: b.bundle_id,
      household: b.household,
      device: c.ref.device,
      compartment: c.ref.compartment,
      terminal: b.terminal,
      loadedAt: iso(b.loaded_at),
    });
    this.ctx.touched(b.round_id);
    this.notify(c, b.terminal, b.bundle_id, "done");
  }

  jammed(c: DoorChange): void {
    if (c.intent?.purpose !== "collect" || c.intent.parcelId === undefined) return;
    this.notify(c, c.intent.terminal ?? null, c.intent.parcelId, "jammed");
  }

  private notify(
    c: DoorChange,
    terminal: string | null,
    bundleId: string,
    status: "open" | "done" | "not_removed" | "jammed",
  ): void {
    c.out.afterwards(() => {
      this.ctx.notices.emit("collect", { terminal, bundleId, ...c.ref, status });
      // the kiosk's door screen (its status poll reads the locker's collect notices)
      this.ctx.holds.collectNotice(terminal, bundleId, c.ref, status, true);
    });
  }
}
