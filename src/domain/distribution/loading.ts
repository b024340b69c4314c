import { isQhError, QhError } from "../../core/errors.js";
import { refKey } from "../locker/compartments.js";
import type { DoorChange, DoorReactor } from "../locker/doors.js";
import { pulseOutcomeUnknown } from "../locker/doors.js";
import type { CompartmentRef } from "../locker/ports.js";
import type { TerminalScope } from "../locker/types.js";
import type { DistributionContext, LoadingView } from "./context.js";
import { claim, fitsNowhere, suitable, unclaim } from "./placing.js";
import { type BundleRow, iso } from "./store.js";

const LABEL_RE = /^[\x21-\x7e]{1,64}$/;

interface Session extends LoadingView {
  /** compartments that failed (a jam, a board that did not take the pulse) for the current bundle */
  tried: Set<string>;
  lastActivity: number;
}

/**
 * Volunteers load bundles, one session per terminal: identify (a courier code the platform
 * synced: verified against the keyed hashes, never taken from what the caller says; wrong codes
 * count toward the terminal's lockout), scan a label (the bundle id): the compartment that suits
 * it is pulsed (placing.ts); the door opens, the bundle goes in, the door closes: `loaded`
 * (distribution.loaded), the next label. A bundle that fits nowhere now waits in the queue; a jam
 * (no opening within doorOpenTimeoutSeconds, the locker's door truth) offers another compartment.
 */
export class LoadingDesk implements DoorReactor {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ctx: DistributionContext,
    /** whether some bundle may be taken back now: volunteers may then sign in outside emergency mode */
    private readonly retrievable: () => boolean = () => false,
  ) {}

  async start(terminal: string, code: string): Promise<LoadingView> {
    const { holds } = this.ctx;
    const terminals: TerminalScope = holds.terminals;
    terminals.require(terminal);
    holds.guard.assertOpen(terminal);
    if (!this.retrievable()) this.assertEmergency();
    this.assertIdle(terminal);
    const volunteer = typeof code === "string" ? holds.courierCodes.identify(code, "volunteer") : undefined;
    if (volunteer === undefined) return holds.guard.wrong(terminal, "courier");
    holds.guard.reset(terminal);
    this.assertIdle(terminal);
    const s: Session = {
      terminal,
      volunteer,
      step: "scan",
      loaded: 0,
      tried: new Set(),
      lastActivity: this.ctx.clock.mono(),
    };
    this.sessions.set(terminal, s);
    return this.publish(s);
  }

  /** A bundle's label: its door opens, or it joins the queue (`last.outcome` "queued"). */
  async label(terminal: string, label: string): Promise<LoadingView> {
    const s = this.session(terminal);
    this.assertEmergency();
    if (s.step !== "scan")
      throw new QhError("QH_LOCKER_BUSY", `a door is ${s.step} for bundle ${s.bundleId}: close it first`, {
        device: s.device,
        compartment: s.compartment,
      });
    const id = typeof label === "string" ? label.trim() : "";
    if (!LABEL_RE.test(id))
      throw new QhError("QH_LOCKER_INPUT_INVALID", "label: 1-64 printable ASCII characters");
    const b = this.ctx.store.bundle(id);
    if (!b)
      throw new QhError("QH_DIST_BUNDLE_UNKNOWN", `no bundle ${id} in any distribution round`, {
        bundleId: id,
      });
    if (this.ctx.store.round(b.round_id)?.state !== "open")
      throw new QhError("QH_DIST_ROUND_CLOSED", `round ${b.round_id} is closed`, { roundId: b.round_id });
    if (b.state !== "pending" && b.state !== "waiting")
      throw new QhError(
        "QH_DIST_CONFLICT",
        `bundle ${id} is ${b.state}${b.compartment ? ` (${b.device}/${b.compartment})` : ""}`,
        {
          bundleId: id,
          state: b.state,
          ...(b.device !== null ? { device: b.device, compartment: b.compartment } : {}),
        },
      );
    // a recalled lot, or one past its date (the platform's named lots too): before any door moves
    const recalled = this.ctx.lots?.refusal(id, "load");
    if (recalled) throw recalled;
    s.tried = new Set();
    s.lastActivity = this.ctx.clock.mono();
    await this.place(s, id);
    return this.publish(s);
  }

  /**
   * The volunteer signed in at `terminal`, for a retrieval (QH_DIST_SESSION without one,
   * QH_LOCKER_BUSY while a door is being opened for a load); the session's idle time restarts.
   */
  volunteerAt(terminal: string): string {
    const s = this.session(terminal);
    if (s.step !== "scan")
      throw new QhError("QH_LOCKER_BUSY", `a door is ${s.step} for bundle ${s.bundleId}: close it first`, {
        device: s.device,
        compartment: s.compartment,
      });
    s.lastActivity = this.ctx.clock.mono();
    return s.volunteer;
  }

  end(terminal: string): void {
    const s = this.sessions.get(terminal);
    if (!s) return;
    this.sessions.delete(terminal);
    this.ctx.notices.emit("loading", { ...view(s), ended: true });
  }

  /** Leaving emergency mode: every session ends (a door open for a bundle still completes its load). */
  endAll(): void {
    for (const t of [...this.sessions.keys()]) this.end(t);
  }

  current(terminal: string): LoadingView | undefined {
    const s = this.sessions.get(terminal);
    return s ? view(s) : undefined;
  }

  /** Sessions idle past courierTimeoutSeconds (monotonic) end; one with a door open waits for it. */
  sweep(): void {
    const limit = this.ctx.holds.settings.courierTimeoutSeconds * 1000;
    const mono = this.ctx.clock.mono();
    for (const s of [...this.sessions.values()])
      if (s.step === "scan" && mono - s.lastActivity >= limit) this.end(s.terminal);
  }

  // --- door truth (inside the door's transaction) ------------------------------------------

  opened(c: DoorChange): void {
    if (c.intent?.purpose !== "load" || c.intent.parcelId === undefined) return;
    const b = this.ctx.store.bundle(c.intent.parcelId);
    if (b?.state !== "loading" || !at(b, c.ref)) return;
    this.ctx.store.patch(b.bundle_id, { door_opened: 1 }, c.out.now);
    c.out.afterwards(() => {
      const s = this.sessionFor(b.bundle_id);
      if (!s) return;
      s.step = "open";
      s.lastActivity = this.ctx.clock.mono();
      this.publish(s);
    });
  }

  closed(c: DoorChange): void {
    const { store } = this.ctx;
    const b = store.inCompartment(c.ref.device, c.ref.compartment);
    if (b?.state !== "loading" || b.door_opened !== 1) return;
    const out = c.out;
    if (c.row.has_presence === 1 && c.present === false) {
      unclaim(this.ctx, out, b, "pending");
      this.after(c, b, "closed_empty");
      return;
    }
    this.loadedIn(c, b);
  }

  /**
   * The load pulse's door opened and shut unseen (a restart, or between two reads) and the
   * presence sensor now sees the bundle inside: it is loaded, not a jam.
   */
  filledUnseen(c: DoorChange): boolean {
    if (c.intent?.purpose !== "load" || c.intent.parcelId === undefined) return false;
    const b = this.ctx.store.bundle(c.intent.parcelId);
    if (b?.state !== "loading" || !at(b, c.ref) || b.door_opened === 1) return false;
    this.loadedIn(c, b);
    return true;
  }

  private loadedIn(c: DoorChange, b: BundleRow): void {
    const { store } = this.ctx;
    const out = c.out;
    store.patch(b.bundle_id, { state: "loaded", loaded_at: out.now }, out.now);
    out.emit(c.ref.device, "distribution.loaded", {
      roundId: b.round_id,
      bundleId: b.bundle_id,
      household: b.household,
      device: c.ref.device,
      compartment: c.ref.compartment,
      size: c.row.size,
      zone: b.zone,
      volunteer: b.volunteer,
      terminal: b.terminal,
      slot: b.slot_from === null ? null : { from: iso(b.slot_from), to: iso(b.slot_to) },
    });
    this.ctx.touched(b.round_id);
    this.after(c, b, "loaded");
  }

  jammed(c: DoorChange): void {
    if (c.intent?.purpose !== "load" || c.intent.parcelId === undefined) return;
    const b = this.ctx.store.bundle(c.intent.parcelId);
    if (b?.state !== "loading" || !at(b, c.ref) || b.door_opened === 1) return;
    // the locker put the compartment out of service (jammed): the bundle leaves it (unclaimed
    // if its round closed meanwhile: then no other door is pulsed for it, place() checks)
    unclaim(this.ctx, c.out, b, "pending");
    c.out.afterwards(async () => {
      const s = this.sessionFor(b.bundle_id);
      if (!s) return;
      s.tried.add(refKey(c.ref));
      s.last = { outcome: "moved_after_jam", bundleId: b.bundle_id, ...c.ref };
      try {
        await this.place(s, b.bundle_id);
      } catch (err) {
        this.ctx.log.warn({ err, bundleId: b.bundle_id }, "distribution: no other compartment after a jam");
      }
      this.publish(s);
    });
  }

  // --- internals ---------------------------------------------------------------------------

  private after(c: DoorChange, b: BundleRow, outcome: "loaded" | "closed_empty"): void {
    c.out.afterwards(() => {
      const s = this.sessionFor(b.bundle_id);
      if (!s) return;
      if (outcome === "loaded") s.loaded += 1;
      s.step = "scan";
      s.last = { outcome, bundleId: b.bundle_id, ...c.ref };
      s.bundleId = undefined;
      s.device = undefined;
      s.compartment = undefined;
      s.lastActivity = this.ctx.clock.mono();
      this.publish(s);
    });
  }

  /** Claim a compartment that suits the bundle and pulse it; none: the bundle waits in the queue. */
  private async place(s: Session, bundleId: string): Promise<void> {
    const { holds, store } = this.ctx;
    const devices = holds.terminals.devicesFor(s.terminal);
    for (;;) {
      const ref = await holds.commit((out) => {
        const b = store.bundle(bundleId);
        // the round closed meanwhile (close, closesAt, emergency left): no door for it any more
        if (b && store.round(b.round_id)?.state !== "open") return "round_closed" as const;
        if (!b || (b.state !== "pending" && b.state !== "waiting")) return undefined;
        const target = suitable(this.ctx, b, devices, s.tried);
        // none now, and none of the site (or of this terminal's lockers) could ever hold it
        const nowhere = target ? undefined : fitsNowhere(this.ctx, b, devices);
        if (nowhere) return { nowhere };
        if (!target) {
          if (b.state !== "waiting") unclaim(this.ctx, out, b, "waiting");
          this.ctx.touched(b.round_id);
          return undefined;
        }
        claim(this.ctx, out, b, target, { volunteer: s.volunteer, terminal: s.terminal });
        return target;
      });
      if (ref && typeof ref === "object" && "nowhere" in ref) {
        s.step = "scan";
        s.bundleId = undefined;
        s.device = undefined;
        s.compartment = undefined;
        throw new QhError(
          "QH_DIST_NO_COMPARTMENT_FITS",
          `no door ${devices ? "of this terminal's lockers" : "of this site"} fits bundle ${bundleId}: ${ref.nowhere}; hand it out another way`,
          { bundleId },
        );
      }
      if (!ref || ref === "round_closed") {
        s.step = "scan";
        s.bundleId = undefined;
        s.device = undefined;
        s.compartment = undefined;
        s.last = { outcome: ref ?? "queued", bundleId };
        return;
      }
      s.step = "opening";
      s.bundleId = bundleId;
      s.device = ref.device;
      s.compartment = ref.compartment;
      this.publish(s);
      try {
        await holds.pulse(ref, { purpose: "load", parcelId: bundleId, terminal: s.terminal });
        return;
      } catch (err) {
        if (!isQhError(err, "QH_LOCKER_UNREACHABLE")) throw err;
        await holds.commit((out) => {
          const b = store.bundle(bundleId);
          if (b?.state === "loading" && b.door_opened === 0) unclaim(this.ctx, out, b, "pending");
        });
        s.step = "scan";
        s.bundleId = undefined;
        s.device = undefined;
        s.compartment = undefined;
        if (pulseOutcomeUnknown(err)) {
          // the pulse went out and the board went silent: no other door is pulsed for this label
          s.last = { outcome: "unreachable", bundleId, ...ref };
          throw err;
        }
        s.tried.add(refKey(ref));
      }
    }
  }

  private assertEmergency(): void {
    const mode = this.ctx.mode.current().mode;
    if (mode !== "emergency")
      throw new QhError("QH_DIST_NOT_EMERGENCY", "bundles are loaded in emergency mode only", { mode });
  }

  private assertIdle(terminal: string): void {
    const s = this.sessions.get(terminal);
    if (s && s.step !== "scan")
      throw new QhError("QH_LOCKER_BUSY", `terminal ${terminal} has a door ${s.step} for a bundle`, {
        device: s.device,
        compartment: s.compartment,
      });
  }

  private session(terminal: string): Session {
    const terminals: TerminalScope = this.ctx.holds.terminals;
    terminals.require(terminal);
    const s = this.sessions.get(terminal);
    if (!s) throw new QhError("QH_DIST_SESSION", `no volunteer is loading at terminal ${terminal}`);
    // a code the platform took the volunteer role from (or removed) since: the session ends
    if (!this.ctx.holds.courierCodes.hasRole(s.volunteer, "volunteer")) {
      this.end(terminal);
      throw new QhError(
        "QH_DIST_SESSION",
        `volunteer ${s.volunteer} is no longer a volunteer here (courier.codes.set): the session ended; sign in again`,
      );
    }
    return s;
  }

  private sessionFor(bundleId: string): Session | undefined {
    for (const s of this.sessions.values()) if (s.bundleId === bundleId) return s;
    return undefined;
  }

  private publish(s: Session): LoadingView {
    const v = view(s);
    if (this.sessions.get(s.terminal) === s) this.ctx.notices.emit("loading", v);
    return v;
  }
}

function at(b: BundleRow, ref: CompartmentRef): boolean {
  return b.device === ref.device && b.compartment === ref.compartment;
}

function view(s: Session): LoadingView {
  const v: LoadingView = { terminal: s.terminal, volunteer: s.volunteer, step: s.step, loaded: s.loaded };
  if (s.bundleId !== undefined) v.bundleId = s.bundleId;
  if (s.device !== undefined) v.device = s.device;
  if (s.compartment !== undefined) v.compartment = s.compartment;
  if (s.last !== undefined) v.last = s.last;
  return v;
}
