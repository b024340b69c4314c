import { isQhError, QhError } from "../../core/errors.js";
import { type CompartmentRow, refKey, refOf } from "./compartments.js";
import { type DoorChange, type DoorReactor, type DoorTruth, pulseOutcomeUnknown } from "./doors.js";
import type { Outcome } from "./outbox.js";
import { iso, type ParcelRow, parcelData } from "./parcels.js";
import {
  COMPARTMENT_SIZES,
  type CompartmentRef,
  type CompartmentSize,
  isCompartmentSize,
  sizeRank,
} from "./ports.js";
import { isStoreFailure } from "./store-gate.js";
import type { DepositOutcomeView, DepositSessionView, DepositStep, LockerContext } from "./types.js";

const BARCODE_RE = /^[\x21-\x7e]{1,64}$/;

interface Session {
  terminal: string;
  courier: string | null;
  kind: "delivery" | "reservation";
  step: DepositStep;
  barcode?: string;
  orderId?: string;
  size?: CompartmentSize;
  parcelId?: string;
  device?: string;
  compartment?: string;
  deposits: number;
  /** Compartments that failed (jam, no pulse) for the current parcel. */
  tried: Set<string>;
  /** The temperature zone asked for (CompartmentGate.zoneOf), if any. */
  zone?: string;
  /** Why the gate refused the last candidate (e.g. QH_COLD_ZONE_ALARM), told when none is left. */
  refused?: QhError;
  lastActivity: number;
  last?: DepositOutcomeView;
}

/**
 * Deposits, one session per terminal. Courier: identify by code → scan → size (or the offered
 * smallest) → pulse → door opens (else jam: the next free compartment of at least that size is
 * pulsed) → door closes → parcel.deposited with a new pickup code (or parcel.deposit_failed when the
 * presence sensor says the compartment is empty). Merchant: depositReserved(orderId) opens the
 * booked compartment and the resident later uses the platform's code. A session idle for
 * courierTimeoutSeconds is abandoned; a door left open by an abandoned session still completes the
 * deposit when it closes (door truth decides, not the session).
 */
export class DepositDesk implements DoorReactor {
  private readonly sessions = new Map<string, Session>();
  /** parcel ids claimed by a deposit whose store failed before the pulse */
  private readonly strays = new Set<string>();

  constructor(
    private readonly ctx: LockerContext,
    private readonly doors: DoorTruth,
  ) {}

  /** The courier identifies with their code. Wrong codes count towards the terminal's lockout. */
  async start(terminal: string, courierCode: string): Promise<DepositSessionView> {
    const { guard, courierCodes, clock } = this.ctx;
    this.ctx.terminals.require(terminal);
    guard.assertOpen(terminal);
    this.assertIdle(terminal);
    const courier = typeof courierCode === "string" ? courierCodes.identify(courierCode) : undefined;
    if (courier === undefined) return guard.wrong(terminal, "courier");
    guard.reset(terminal);
    this.assertIdle(terminal);
    const s: Session = {
      terminal,
      courier,
      kind: "delivery",
      step: "scan",
      deposits: 0,
      tried: new Set(),
      lastActivity: clock.now(),
    };
    this.sessions.set(terminal, s);
    return this.publish(s);
  }

  /** The parcel's barcode. Offers the smallest free size in the returned view. */
  scan(terminal: string, barcode: string): DepositSessionView {
    const s = this.session(terminal, ["scan", "size"], "delivery");
    const b = typeof barcode === "string" ? barcode.trim() : "";
    if (!BARCODE_RE.test(b)) {
      throw new QhError("QH_LOCKER_INPUT_INVALID", "barcode: 1-64 printable ASCII characters, no spaces");
    }
    const existing = this.ctx.parcels.activeByBarcode(b);
    if (existing) {
      throw new QhError("QH_LOCKER_CONFLICT", `parcel ${b} is already in locker ${existing.device}`, {
        parcelId: existing.id,
      });
    }
    s.barcode = b;
    s.size = undefined;
    s.step = "size";
    s.tried = new Set();
    s.lastActivity = this.ctx.clock.now();
    return this.publish(s);
  }

  /**
   * Pick a size (or none: the offered smallest free one) and, at a site with cold zones, a zone
   * (a cold parcel goes only into a compartment of that zone); the lock is pulsed. A compartment
   * the gate refuses (its zone in alarm) is skipped; when only refused ones are left, the gate's
   * coded refusal (QH_COLD_ZONE_ALARM) is thrown instead of QH_LOCKER_NO_COMPARTMENT.
   */
  async chooseSize(terminal: string, size?: CompartmentSize, zone?: string): Promise<DepositSessionView> {
    const s = this.session(terminal, ["size"], "delivery");
    if (size !== undefined && !isCompartmentSize(size)) {
      throw new QhError("QH_LOCKER_INPUT_INVALID", `size: must be one of ${COMPARTMENT_SIZES.join(", ")}`);
    }
    if (zone !== undefined && (typeof zone !== "string" || zone.length === 0 || zone.length > 64)) {
      throw new QhError("QH_LOCKER_INPUT_INVALID", "zone: must be a zone id of 1-64 characters");
    }
    if (zone !== undefined) {
      const known = this.ctx.gate?.zones?.() ?? [];
      if (!known.includes(zone))
        throw new QhError(
          "QH_COLD_ZONE_UNKNOWN",
          `zone: no cold zone ${zone} at this locker (${known.length ? known.join(", ") : "none"})`,
          { zone, zones: [...known] },
        );
    }
    s.zone = zone;
    const chosen = size ?? this.offer(terminal);
    if (chosen === undefined)
      throw new QhError("QH_LOCKER_NO_COMPARTMENT", "no free compartment in this locker");
    s.size = chosen;
    s.step = "opening";
    s.tried = new Set();
    s.lastActivity = this.ctx.clock.now();
    try {
      await this.placeOrStepBack(s);
    } finally {
      this.publish(s);
    }
    return this.view(s);
  }

  /** A merchant deposits an order booked by locker.reserve. The courier/merchant code is optional. */
  async depositReserved(
    terminal: string,
    orderId: string,
    courierCode?: string,
  ): Promise<DepositSessionView> {
    const { guard, courierCodes, parcels, terminals, announcer, compartments, clock } = this.ctx;
    this.ctx.terminals.require(terminal);
    guard.assertOpen(terminal);
    this.assertIdle(terminal);
    let courier: string | null = null;
    if (courierCode !== undefined) {
      const who = courierCodes.identify(courierCode);
      if (who === undefined) return guard.wrong(terminal, "courier");
      guard.reset(terminal);
      courier = who;
    }
    if (typeof orderId !== "string" || orderId.length === 0) {
      throw new QhError("QH_LOCKER_INPUT_INVALID", "orderId: must be a non-empty string");
    }
    const p = parcels.activeByOrder(orderId);
    if (!p) throw new QhError("QH_LOCKER_PARCEL_UNKNOWN", `no reservation for order ${orderId}`);
    if (p.state !== "reserved") {
      throw new QhError("QH_LOCKER_CONFLICT", `order ${orderId} is ${p.state}, not waiting for a deposit`);
    }
    const scope = terminals.devicesFor(terminal);
    if (scope && p.device !== null && !scope.includes(p.device)) {
      throw new QhError("QH_LOCKER_WRONG_TERMINAL", `order ${orderId} is booked in locker ${p.device}`, {
        device: p.device,
      });
    }
    this.assertIdle(terminal);
    if (p.device !== null && p.compartment !== null) {
      // the booked compartment's zone in alarm (the cold chain): refused before anything moves
      const booked = refOf(p as Located);
      const refused = this.ctx.gate?.refusal(booked);
      if (refused) throw refused;
    }
    await announcer.commit((out) => {
      parcels.patch(
        p.id,
        { state: "depositing", door_opened: 0, terminal, courier: courier ?? p.courier },
        out.now,
      );
      if (p.device !== null && p.compartment !== null) compartments.refresh(refOf(p as Located), out.now);
    });
    const s: Session = {
      terminal,
      courier,
      kind: "reservation",
      step: "opening",
      orderId,
      size: p.size,
      parcelId: p.id,
      device: p.device ?? undefined,
      compartment: p.compartment ?? undefined,
      deposits: 0,
      tried: new Set(),
      zone:
        p.device !== null && p.compartment !== null ? this.ctx.gate?.zoneOf(refOf(p as Located)) : undefined,
      lastActivity: clock.now(),
    };
    this.sessions.set(terminal, s);
    try {
      await this.placeOrStepBack(s);
    } finally {
      this.publish(s);
    }
    return this.view(s);
  }

  /** The courier is done. A door still open completes (or fails) the deposit when it closes. */
  end(terminal: string): void {
    const s = this.sessions.get(terminal);
    if (!s) return;
    this.sessions.delete(terminal);
    this.ctx.notices.emit("deposit", { ...this.view(s), ended: true });
  }

  current(terminal: string): DepositSessionView | undefined {
    const s = this.sessions.get(terminal);
    return s ? this.view(s) : undefined;
  }

  /**
   * Free usable compartments per size, within the terminal's lockers; with `zone`, only those of
   * that cold zone (what a deposit asking for it may get).
   */
  available(terminal?: string, zone?: string): Partial<Record<CompartmentSize, number>> {
    const scope = terminal === undefined ? undefined : this.ctx.terminals.devicesFor(terminal);
    const out: Partial<Record<CompartmentSize, number>> = {};
    for (const c of this.ctx.compartments.free(0, scope)) {
      if (zone !== undefined && this.ctx.gate?.zoneOf(refOf(c)) !== zone) continue;
      out[c.size] = (out[c.size] ?? 0) + 1;
    }
    return out;
  }

  /** The first candidate the compartment gate lets a deposit into (see firstEligible). */
  private eligible(candidates: readonly CompartmentRow[], s: Session): CompartmentRow | undefined {
    return firstEligible(this.ctx.gate, candidates, s);
  }

  /** A parcel was cancelled by the platform: a session depositing it stops. */
  forgetParcel(parcelId: string): void {
    const s = this.sessionFor(parcelId);
    if (!s) return;
    if (s.kind === "reservation") {
      this.sessions.delete(s.terminal);
      this.ctx.notices.emit("deposit", { ...this.view(s), ended: true });
      return;
    }
    this.resetToSize(s, { outcome: "deposit_failed", parcelId, reason: "cancelled" });
    this.publish(s);
  }

  /** The clock was corrected by `deltaMs`: idle times (since `since`) keep counting from where they were. */
  reanchor(deltaMs: number, since: number): void {
    for (const s of this.sessions.values()) if (s.lastActivity >= since) s.lastActivity += deltaMs;
  }

  /** Sessions idle past courierTimeoutSeconds end with deposit.abandoned. */
  async sweep(now: number): Promise<void> {
    await this.releaseStrays();
    const timeoutMs = this.ctx.settings.courierTimeoutSeconds * 1000;
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastActivity < timeoutMs || s.step === "opening") continue;
      if (this.sessions.get(s.terminal) !== s) continue;
      this.sessions.delete(s.terminal);
      const quiet = s.step === "scan" && s.deposits > 0;
      if (!quiet) {
        await this.ctx.announcer
          .commit((out) => {
            out.emit(s.terminal, "deposit.abandoned", {
              terminal: s.terminal,
              courier: s.courier,
              step: s.step,
              ...(s.barcode !== undefined ? { barcode: s.barcode } : {}),
              ...(s.orderId !== undefined ? { orderId: s.orderId } : {}),
              ...(s.parcelId !== undefined ? { parcelId: s.parcelId } : {}),
              ...(s.device !== undefined ? { device: s.device, compartment: s.compartment } : {}),
              doorOpen: s.step === "open",
              deposits: s.deposits,
              idleSeconds: Math.round((now - s.lastActivity) / 1000),
            });
          })
          .catch((err: unknown) => this.ctx.log.error({ err }, "locker: deposit.abandoned not durable"));
      }
      this.ctx.notices.emit("deposit", { ...this.view(s), ended: true });
    }
  }

  /**
   * After a restart no session survives. A deposit whose door never opened and whose pulse is no
   * longer pending is released; one whose door opened completes when the door closes.
   */
  async recover(): Promise<void> {
    const { parcels, compartments, announcer } = this.ctx;
    for (const p of parcels.inState("depositing")) {
      if (p.door_opened === 1 || p.device === null || p.compartment === null) continue;
      const row = compartments.get(refOf(p as Located));
      if (row?.pulse_pending === 1) continue;
      await announcer
        .commit((out) => {
          const cur = parcels.get(p.id);
          if (cur?.state === "depositing" && cur.door_opened === 0) this.release(cur, out, "interrupted");
        })
        .catch((err: unknown) => this.ctx.log.error({ err }, "locker: deposit recovery not durable"));
    }
  }

  // --- door truth -------------------------------------------------------------------------

  opened(c: DoorChange): void {
    const p = c.parcel;
    if (p?.state !== "depositing" || p.door_opened === 1) return;
    this.ctx.parcels.patch(p.id, { door_opened: 1 }, c.out.now);
    c.out.afterwards(() => {
      const s = this.sessionFor(p.id);
      if (!s) return;
      s.step = "open";
      s.lastActivity = this.ctx.clock.now();
      this.publish(s);
    });
  }

  closed(c: DoorChange): void {
    const { parcels, compartments, pickupCodes, settings } = this.ctx;
    const p = c.parcel;
    if (p?.state !== "depositing" || p.door_opened !== 1) return;
    const out = c.out;
    const now = out.now;
    if (c.row.has_presence === 1 && c.present === false) {
      this.release(p, out, "closed_empty");
      return;
    }
    const deadline =
      p.kind === "reservation" && p.deadline !== null
        ? p.deadline
        : now + settings.pickupWindowHours * 3_600_000;
    const code = p.kind === "delivery" ? pickupCodes.issue(p.id) : undefined;
    parcels.patch(p.id, { state: "stored", deposited_at: now, deadline }, now);
    compartments.refresh(c.ref, now);
    out.emit(
      c.ref.device,
      "parcel.deposited",
      {
        ...parcelData(p),
        size: c.row.size,
        courier: p.courier,
        terminal: p.terminal,
        deadline: iso(deadline),
      },
      code === undefined ? {} : { secret: { pickupCode: code } },
    );
    out.afterwards(() => {
      const s = this.sessionFor(p.id);
      if (!s) return;
      const last: DepositOutcomeView = { outcome: "deposited", parcelId: p.id, ...c.ref };
      if (s.kind === "reservation") {
        this.sessions.delete(s.terminal);
        s.last = last;
        this.ctx.notices.emit("deposit", { ...this.view(s), ended: true });
        return;
      }
      s.deposits += 1;
      s.step = "scan";
      s.barcode = undefined;
      s.size = undefined;
      s.parcelId = undefined;
      s.device = undefined;
      s.compartment = undefined;
      s.tried = new Set();
      s.last = last;
      s.lastActivity = this.ctx.clock.now();
      this.publish(s);
    });
  }

  jammed(c: DoorChange): void {
    const p = c.parcel;
    if (p?.state !== "depositing" || p.door_opened === 1) return;
    c.out.afterwards(() => this.afterJam(p.id, c.ref));
  }

  // --- internals --------------------------------------------------------------------------

  /**
   * place(), and if the store cannot write on the way (a full disk), no door has been pulsed (the
   * pulse is recorded before it is sent): the session steps back to where the person can retry
   * (size step; a reservation's session ends and the order waits again), and a parcel row the
   * claim left `depositing` is released by the sweep once the store writes again.
   */
  private async placeOrStepBack(s: Session): Promise<void> {
    try {
      await this.place(s);
    } catch (err) {
      if (!isStoreFailure(err) || this.sessions.get(s.terminal) !== s) throw err;
      const parcelId = s.parcelId;
      if (parcelId !== undefined) this.strays.add(parcelId);
      const last: DepositOutcomeView = { outcome: "deposit_failed", parcelId, reason: "store_unavailable" };
      if (s.kind === "reservation") {
        this.sessions.delete(s.terminal);
        s.step = "size";
        s.last = last;
        this.ctx.notices.emit("deposit", { ...this.view(s), ended: true });
      } else {
        this.resetToSize(s, last);
      }
      throw err;
    }
  }

  /** Parcels a deposit claimed but never pulsed (the store failed in between): released when it can. */
  private async releaseStrays(): Promise<void> {
    const { parcels, compartments, announcer } = this.ctx;
    for (const id of [...this.strays]) {
      if (this.sessionFor(id)) continue;
      const p = parcels.get(id);
      if (p?.state !== "depositing" || p.door_opened === 1) {
        this.strays.delete(id);
        continue;
      }
      const row =
        p.device !== null && p.compartment !== null ? compartments.get(refOf(p as Located)) : undefined;
      if (row?.pulse_pending === 1 || row?.door_open === 1) continue;
      try {
        await announcer.commit((out) => {
          const cur = parcels.get(id);
          if (cur?.state === "depositing" && cur.door_opened === 0) this.release(cur, out, "interrupted");
        });
        this.strays.delete(id);
      } catch (err) {
        // the store still cannot write (the row stays for the next sweep), or the event waits
        if (parcels.get(id)?.state !== "depositing") this.strays.delete(id);
        this.ctx.log.debug(
          { code: (err as { code?: string })?.code, parcelId: id },
          "locker: a stray deposit is not released yet",
        );
      }
    }
  }

  /** The jammed door is out of service: try the next compartment, or give the parcel up. */
  private async afterJam(parcelId: string, jammed: CompartmentRef): Promise<void> {
    const s = this.sessionFor(parcelId);
    if (s) {
      s.tried.add(refKey(jammed));
      s.step = "opening";
      s.last = { outcome: "moved_after_jam", parcelId, ...jammed };
      try {
        await this.placeOrStepBack(s);
      } catch (err) {
        // Each ends the flow correctly (the parcel is released and the courier told): not a
        // failure. `s.refused`: the only compartments left were refused by the gate (a cold zone
        // in alarm), thrown by place() once claim() has released the parcel.
        if (
          !isQhError(err, "QH_LOCKER_NO_COMPARTMENT") &&
          !isQhError(err, "QH_LOCKER_UNREACHABLE") &&
          !isStoreFailure(err) &&
          (s.refused === undefined || err !== s.refused)
        )
          throw err;
        this.ctx.log.warn(
          { code: isQhError(err) ? err.code : "QH_STORE_IO", parcelId },
          "locker: no other compartment could be opened after a jam",
        );
      } finally {
        this.publish(s);
      }
      return;
    }
    await this.ctx.announcer.commit((out) => {
      const p = this.ctx.parcels.get(parcelId);
      if (p?.state === "depositing" && p.door_opened === 0) this.release(p, out, "jammed");
    });
  }

  /**
   * Claim a compartment for the session's parcel and pulse it; on a board that does not take the
   * pulse, claim the next. Throws QH_LOCKER_NO_COMPARTMENT when none is left.
   */
  private async place(s: Session): Promise<void> {
    let unreachable: QhError | undefined;
    s.refused = undefined;
    for (;;) {
      const claimed = await this.ctx.announcer.commit((out) => this.claim(s, out));
      if (!claimed) {
        // Every candidate refused the pulse: the line or its boards are down, not the locker full.
        if (unreachable) throw unreachable;
        // Every candidate left was refused by the gate (its cold zone in alarm): say why.
        if (s.refused) throw s.refused;
        throw new QhError(
          "QH_LOCKER_NO_COMPARTMENT",
          `no free ${s.size ?? ""} compartment (or larger) is usable`,
        );
      }
      s.parcelId = claimed.parcelId;
      s.device = claimed.ref.device;
      s.compartment = claimed.ref.compartment;
      this.publish(s);
      try {
        await this.doors.pulse(claimed.ref, {
          purpose: "deposit",
          parcelId: claimed.parcelId,
          terminal: s.terminal,
        });
        return;
      } catch (err) {
        if (!isQhError(err, "QH_LOCKER_UNREACHABLE")) throw err;
        if (pulseOutcomeUnknown(err)) {
          // The pulse went out and the board went silent: its door may be open. No other door is
          // pulsed for this parcel; the deposit ends here and the courier is told why.
          this.ctx.log.warn({ err, ref: claimed.ref }, "locker: board silent after a pulse; deposit stopped");
          await this.ctx.announcer.commit((out) => {
            const p = this.ctx.parcels.get(claimed.parcelId);
            if (p?.state === "depositing" && p.door_opened === 0) this.release(p, out, "unreachable");
          });
          throw err;
        }
        unreachable = err;
        this.ctx.log.warn({ err, ref: claimed.ref }, "locker: pulse not taken, trying the next compartment");
        s.tried.add(refKey(claimed.ref));
      }
    }
  }

  private claim(s: Session, out: Outcome): { ref: CompartmentRef; parcelId: string } | undefined {
    const { parcels, compartments, terminals, newId } = this.ctx;
    const now = out.now;
    const p = s.parcelId !== undefined ? parcels.get(s.parcelId) : undefined;
    if (p && p.state !== "depositing") return undefined;
    const size = s.size ?? p?.size ?? "XS";
    let target: CompartmentRow | undefined;
    if (p?.device && p.compartment) {
      const own = compartments.get(refOf(p as Located));
      if (own && !s.tried.has(refKey(own)) && usable(own) && this.eligible([own], s)) target = own;
    }
    target ??= this.eligible(compartments.free(sizeRank(size), terminals.devicesFor(s.terminal), s.tried), s);
    if (!target) {
      if (p) this.release(p, out, "no_compartment");
      out.afterwards(() => {
        if (s.kind === "reservation") {
          this.sessions.delete(s.terminal);
          s.last = { outcome: "no_compartment", parcelId: p?.id };
          this.ctx.notices.emit("deposit", { ...this.view(s), ended: true });
        } else {
          this.resetToSize(s, { outcome: "no_compartment", parcelId: p?.id });
        }
      });
      return undefined;
    }
    const ref = refOf(target);
    if (!p) {
      const id = newId();
      parcels.insert(
        {
          id,
          kind: "delivery",
          barcode: s.barcode,
          ref,
          size,
          courier: s.courier ?? undefined,
          state: "depositing",
          terminal: s.terminal,
        },
        now,
      );
      compartments.refresh(ref, now);
      return { ref, parcelId: id };
    }
    const old = p.device !== null && p.compartment !== null ? refOf(p as Located) : undefined;
    parcels.patch(p.id, { device: ref.device, compartment: ref.compartment, door_opened: 0 }, now);
    if (old) compartments.refresh(old, now);
    compartments.refresh(ref, now);
    return { ref, parcelId: p.id };
  }

  /** A deposit that did not happen: a delivery fails, a reservation waits again. */
  private release(
    p: ParcelRow,
    out: Outcome,
    reason: "closed_empty" | "jammed" | "no_compartment" | "interrupted" | "unreachable",
  ): void {
    const { parcels, compartments } = this.ctx;
    const now = out.now;
    if (p.kind === "delivery") {
      parcels.patch(p.id, { state: "failed", end_reason: reason, closed_at: now }, now);
    } else {
      parcels.patch(p.id, { state: "reserved", door_opened: 0 }, now);
    }
    if (p.device !== null && p.compartment !== null) compartments.refresh(refOf(p as Located), now);
    out.emit(p.device ?? p.terminal ?? "locker", "parcel.deposit_failed", {
      ...parcelData(p),
      reason,
      courier: p.courier,
      terminal: p.terminal,
      ...(p.kind === "reservation" ? { reservationKept: true } : {}),
    });
    if (reason === "closed_empty" || reason === "unreachable") {
      out.afterwards(() => {
        const s = this.sessionFor(p.id);
        if (!s) return;
        const last: DepositOutcomeView = { outcome: "deposit_failed", parcelId: p.id, reason };
        if (s.kind === "reservation") {
          this.sessions.delete(s.terminal);
          s.last = last;
          this.ctx.notices.emit("deposit", { ...this.view(s), ended: true });
          return;
        }
        this.resetToSize(s, last);
        this.publish(s);
      });
    }
  }

  private resetToSize(s: Session, last: DepositOutcomeView): void {
    s.step = "size";
    s.parcelId = undefined;
    s.device = undefined;
    s.compartment = undefined;
    s.tried = new Set();
    s.last = last;
    s.lastActivity = this.ctx.clock.now();
  }

  private offer(terminal: string): CompartmentSize | undefined {
    const avail = this.available(terminal);
    return COMPARTMENT_SIZES.find((size) => (avail[size] ?? 0) > 0);
  }

  private session(terminal: string, steps: DepositStep[], kind: Session["kind"]): Session {
    this.ctx.terminals.require(terminal);
    const s = this.sessions.get(terminal);
    if (!s || s.kind !== kind)
      throw new QhError("QH_LOCKER_SESSION", `no ${kind} session at terminal ${terminal}`);
    // a code the platform took the courier role from (or removed) since: the session ends
    if (s.courier !== null && !this.ctx.courierCodes.hasRole(s.courier, "courier")) {
      this.end(terminal);
      throw new QhError(
        "QH_LOCKER_SESSION",
        `courier ${s.courier} may no longer deposit or retrieve here (courier.codes.set): the session ended`,
      );
    }
    if (!steps.includes(s.step)) {
      throw new QhError("QH_LOCKER_SESSION", `the session at terminal ${terminal} is at step ${s.step}`, {
        step: s.step,
      });
    }
    return s;
  }

  /**
   * A terminal whose door is being opened or is open cannot start another deposit. An idle session
   * (scan or size step) is replaced once the new one is identified.
   */
  private assertIdle(terminal: string): void {
    const s = this.sessions.get(terminal);
    if (!s) return;
    if (s.step === "opening" || s.step === "open") {
      throw new QhError("QH_LOCKER_BUSY", `terminal ${terminal} has a door open for a deposit`, {
        device: s.device,
        compartment: s.compartment,
      });
    }
  }

  private sessionFor(parcelId: string): Session | undefined {
    for (const s of this.sessions.values()) if (s.parcelId === parcelId) return s;
    return undefined;
  }

  private view(s: Session): DepositSessionView {
    const available = this.available(s.terminal);
    const v: DepositSessionView = {
      terminal: s.terminal,
      courier: s.courier,
      step: s.step,
      deposits: s.deposits,
      available,
    };
    const offer = COMPARTMENT_SIZES.find((size) => (available[size] ?? 0) > 0);
    if (offer !== undefined) v.offer = offer;
    if (s.barcode !== undefined) v.barcode = s.barcode;
    if (s.orderId !== undefined) v.orderId = s.orderId;
    if (s.size !== undefined) v.size = s.size;
    if (s.parcelId !== undefined) v.parcelId = s.parcelId;
    if (s.device !== undefined) v.device = s.device;
    if (s.compartment !== undefined) v.compartment = s.compartment;
    if (s.last !== undefined) v.last = s.last;
    return v;
  }

  private publish(s: Session): DepositSessionView {
    const v = this.view(s);
    if (this.sessions.get(s.terminal) === s) this.ctx.notices.emit("deposit", v);
    return v;
  }
}

type Located = ParcelRow & { device: string; compartment: string };

/**
 * The first candidate of the session's zone the gate does not refuse. A deposit that asks for no
 * zone goes to an ambient compartment first (cold ones are kept for cold parcels), else anywhere.
 */
function firstEligible(
  gate: LockerContext["gate"],
  candidates: readonly CompartmentRow[],
  s: Session,
): CompartmentRow | undefined {
  if (!gate) return candidates[0];
  const ordered =
    s.zone === undefined
      ? [
          ...candidates.filter((c) => gate.zoneOf(refOf(c)) === undefined),
          ...candidates.filter((c) => gate.zoneOf(refOf(c)) !== undefined),
        ]
      : candidates;
  for (const c of ordered) {
    const ref = refOf(c);
    if (s.zone !== undefined && gate.zoneOf(ref) !== s.zone) continue;
    const refused = gate.refusal(ref);
    if (refused) {
      s.refused ??= refused;
      continue;
    }
    return c;
  }
  return undefined;
}

/** A compartment a deposit may use (its own reservation counts, even though not free). */
function usable(c: CompartmentRow): boolean {
  return (
    c.oos_reason === null &&
    c.retired === 0 &&
    c.reachable === 1 &&
    c.has_door === 1 &&
    c.pulse_pending === 0 &&
    c.door_open !== 1
  );
}
