import { refOf } from "../locker/compartments.js";
import type { Outcome } from "../locker/outbox.js";
import { type CompartmentRef, sizeRank } from "../locker/ports.js";
import { type DistributionContext, HOLD_OWNER } from "./context.js";
import type { BundleRow } from "./store.js";

/**
 * The compartment that suits a bundle now: free and usable (the locker's own list: reachable,
 * door shut, no pulse pending, in service), of the bundle's size or larger (smallest first), in
 * the terminal's banks, not tried already for it, and of its zone: an ambient bundle goes to a
 * compartment in no cold zone, a chilled (frozen) one to a compartment of a `chilled` (`frozen`)
 * cold zone, never one whose zone is in alarm.
 */
export function suitable(
  ctx: DistributionContext,
  b: BundleRow,
  devices: readonly string[] | undefined,
  tried: ReadonlySet<string>,
): CompartmentRef | undefined {
  const { holds, zoneKinds } = ctx;
  for (const c of holds.free(sizeRank(b.size ?? "XS"), devices, tried)) {
    const ref = refOf(c);
    const zone = holds.zoneOf(ref);
    const kind = zone === undefined ? "ambient" : zoneKinds.get(zone);
    if (kind !== b.zone) continue;
    if (holds.refusal(ref)) continue;
    return ref;
  }
  return undefined;
}

/** Inside a commit: the bundle takes the compartment (held; `loading` until its door closes). */
export function claim(
  ctx: DistributionContext,
  out: Outcome,
  b: BundleRow,
  ref: CompartmentRef,
  who: { volunteer: string; terminal: string },
): void {
  ctx.holds.hold(out, ref, HOLD_OWNER, b.bundle_id);
  ctx.store.patch(
    b.bundle_id,
    { state: "loading", device: ref.device, compartment: ref.compartment, door_opened: 0, ...who },
    out.now,
  );
}

/** Inside a commit: the bundle leaves the compartment it was being loaded into (back to `state`). */
export function unclaim(
  ctx: DistributionContext,
  out: Outcome,
  b: BundleRow,
  state: "pending" | "waiting",
): void {
  if (b.device !== null && b.compartment !== null) {
    const ref = { device: b.device, compartment: b.compartment };
    if (ctx.holds.held(ref)?.item === b.bundle_id) ctx.holds.release(out, ref);
  }
  ctx.store.patch(
    b.bundle_id,
    {
      state,
      device: null,
      compartment: null,
      door_opened: 0,
      ...(state === "waiting" ? { queued_at: out.now } : {}),
    },
    out.now,
  );
}

/** Inside a commit: the compartment holding `bundleId` is given back to the locker (emptied). */
export function unclaimHold(
  ctx: DistributionContext,
  out: Outcome,
  ref: CompartmentRef,
  bundleId: string,
): void {
  if (ctx.holds.held(ref)?.item === bundleId) ctx.holds.release(out, ref);
}
