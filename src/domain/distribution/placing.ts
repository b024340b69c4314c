import { type CompartmentRow, refOf } from "../locker/compartments.js";
import type { Outcome } from "../locker/outbox.js";
import { COMPARTMENT_SIZES, type CompartmentRef, type CompartmentSize, sizeRank } from "../locker/ports.js";
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

/**
 * Why no compartment of the site (of `devices`, when given) could ever hold a bundle of this size
 * and zone, whatever is free now: none of its zone is of its size or larger (out-of-service
 * compartments count: they may come back; retired ones do not). Undefined when one could.
 */
export function fitsNowhere(
  ctx: DistributionContext,
  b: { size?: CompartmentSize | null; zone: string },
  devices?: readonly string[],
  /** the site's compartments (holds.list()), when the caller has read them already */
  list: readonly CompartmentRow[] = ctx.holds.list(),
): string | undefined {
  const { holds, zoneKinds } = ctx;
  const need = sizeRank(b.size ?? "XS");
  let biggest = -1;
  for (const c of list) {
    if (c.has_door !== 1 || (devices && !devices.includes(c.device))) continue;
    const zone = holds.zoneOf(refOf(c));
    const kind = zone === undefined ? "ambient" : zoneKinds.get(zone);
    if (kind !== b.zone) continue;
    if (c.size_rank >= need) return undefined;
    biggest = Math.max(biggest, c.size_rank);
  }
  const where = devices ? `of locker ${devices.join(", ")}` : "of this site";
  return biggest < 0
    ? `no ${b.zone} compartment ${where}`
    : `the ${b.zone} compartments ${where} are at most ${COMPARTMENT_SIZES[biggest]} (the bundle is ${b.size})`;
}

/**
 * {@link fitsNowhere} for many bundles at once (a round's load): the site's compartments are read
 * once, and each size and zone answered once.
 */
export function fitsNowhereMemo(
  ctx: DistributionContext,
): (b: { size?: CompartmentSize | null; zone: string }) => string | undefined {
  const answers = new Map<string, string | undefined>();
  let list: CompartmentRow[] | undefined;
  return (b) => {
    const key = `${b.zone}|${b.size ?? "XS"}`;
    if (!answers.has(key)) {
      list ??= ctx.holds.list();
      answers.set(key, fitsNowhere(ctx, b, undefined, list));
    }
    return answers.get(key);
  };
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

/**
 * Inside a commit: the bundle leaves the compartment it was being loaded into (back to `state`).
 * Its round already closed (closed, past its closesAt, or emergency mode left while the door was
 * being opened): the bundle is `unclaimed`, not sent back to a queue nobody loads from, and the
 * platform, told at the close that it was in the locker, gets a `distribution.unclaimed` for it
 * alone with reason `not_loaded`.
 */
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
  const closed = ctx.store.round(b.round_id)?.state === "closed";
  const next = closed ? "unclaimed" : state;
  ctx.store.patch(
    b.bundle_id,
    {
      state: next,
      device: null,
      compartment: null,
      door_opened: 0,
      ...(next === "waiting" ? { queued_at: out.now } : {}),
    },
    out.now,
  );
  if (closed)
    out.emit(ctx.siteDevice, "distribution.unclaimed", {
      roundId: b.round_id,
      reason: "not_loaded",
      count: 1,
      part: 1,
      parts: 1,
      bundles: [{ bundleId: b.bundle_id, household: b.household, inLocker: false }],
      counts: { ...ctx.store.counts(b.round_id) },
    });
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
