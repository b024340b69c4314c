import type { JsonObject } from "../../core/envelope.js";
import { isQhError, QhError } from "../../core/errors.js";
import { withoutFsync } from "../../store/db.js";
import { storeFaultOf } from "../../store/disk.js";
import { type CompartmentRow, type PulseIntent, refKey, refOf } from "./compartments.js";
import type { Outcome } from "./outbox.js";
import type { ParcelRow } from "./parcels.js";
import type { CompartmentRef, DoorReport } from "./ports.js";
import { depositRefusal, isStoreFailure } from "./store-gate.js";
import type { LockerContext } from "./types.js";

/** A door change (or a pulse that never opened it), handed to the flows inside its transaction. */
export interface DoorChange {
  ref: CompartmentRef;
  /** The compartment row before the change. */
  row: CompartmentRow;
  /** The parcel holding the compartment, if any. */
  parcel: ParcelRow | undefined;
  /** The pulse this opening answers, or the pulse that timed out (jam). Undefined on close. */
  intent: PulseIntent | undefined;
  /** Item-present reading after the change, where the compartment has the sensor. */
  present: boolean | undefined;
  out: Outcome;
}

/** A flow's reaction to door truth. Runs inside the door's transaction: synchronous, SQLite only. */
export interface DoorReactor {
  opened?(c: DoorChange): void;
  closed?(c: DoorChange): void;
  jammed?(c: DoorChange): void;
  /**
   * A pulse still pending on a shut door whose presence sensor now sees an item that was not
   * there (or sees one when the pulse times out): the door opened and shut unseen (the gateway
   * was down, or between two reads). True when the reactor takes that as the pulse's outcome (a
   * bundle loaded into an empty compartment): the pulse is then spent, no jam.
   */
  filledUnseen?(c: DoorChange): boolean;
}

export type PulseOutcome = "pulsed" | "pending" | "already_open";

/**
 * Door truth: every sensor change becomes door.opened / door.closed (plus door.forced when no pulse
 * explains an opening); a pulse with no opening within doorOpenTimeoutSeconds is door.jammed and
 * puts the compartment out of service; a door open past doorLeftOpenSeconds is door.left_open,
 * once per opening. Pulses are recorded in SQLite before they are sent, so a restart still knows
 * which opening was asked for. The flows (deposit, pickup, retrieval) react to the changes.
 */
export class DoorTruth {
  private readonly reactors: DoorReactor[] = [];
  /** Door reports not yet recorded, per compartment (refKey), oldest first; `stalled`: since when the store refused them. */
  private readonly unwritten = new Map<
    string,
    { ref: CompartmentRef; reports: DoorReport[]; draining?: boolean; stalled?: number }
  >();

  constructor(private readonly ctx: LockerContext) {}

  addReactor(r: DoorReactor): void {
    this.reactors.push(r);
  }

  /**
   * The driver's report of a door change. Resolves once it is recorded (its events committed with
   * it; an event the event store refused waits in the locker's outbox), or kept: a report the
   * store cannot write (a full disk) stays in memory, in order per compartment, and is written
   * on the next sweep once the store writes again. The door moved: its report is never dropped,
   * and the compartment is not judged jammed or left open while a report of it waits.
   */
  async onDoor(ref: CompartmentRef, report: DoorReport): Promise<void> {
    if (
      typeof ref?.device !== "string" ||
      typeof ref.compartment !== "string" ||
      typeof report?.open !== "boolean"
    ) {
      this.ctx.log.warn({ ref, report }, "locker: malformed door report ignored");
      return;
    }
    const ts = Number.isFinite(report.ts) ? report.ts : this.ctx.clock.now();
    const r: DoorReport =
      typeof report.present === "boolean"
        ? { open: report.open, present: report.present, ts }
        : { open: report.open, ts };
    const key = refKey(ref);
    const queue = this.unwritten.get(key);
    if (queue) {
      queue.reports.push(r); // written after the ones before it
      return;
    }
    this.unwritten.set(key, { ref: { device: ref.device, compartment: ref.compartment }, reports: [r] });
    await this.drain(key);
  }

  /** Door reports kept in memory because the store could not write them (for /health). */
  unwrittenReports(): number {
    let n = 0;
    for (const q of this.unwritten.values()) if (q.stalled !== undefined) n += q.reports.length;
    return n;
  }

  /** Write a compartment's waiting reports in order; stop (kept) at a store failure. */
  private async drain(key: string): Promise<void> {
    const q = this.unwritten.get(key);
    if (!q || q.draining) return;
    q.draining = true;
    try {
      while (q.reports.length > 0) {
        const r = q.reports[0] as DoorReport;
        let committed = false;
        try {
          await this.apply(q.ref, r, () => {
            committed = true;
          });
        } catch (err) {
          if (!committed && isStoreFailure(err)) {
            if (q.stalled === undefined) {
              q.stalled = this.ctx.clock.now();
              this.ctx.log.warn(
                { ...q.ref, open: r.open, code: isQhError(err) ? err.code : "QH_STORE_IO" },
                "locker: door report not recorded (the store cannot write): kept in memory, written once it can",
              );
            }
            return;
          }
          // committed, its event waiting in the outbox (sent again by the sweep), or not a store
          // failure (logged, the next report goes on)
          if (!committed)
            this.ctx.log.error({ ...q.ref, err: (err as Error)?.message }, "locker: door report failed");
        }
        q.reports.shift();
        if (q.stalled !== undefined) {
          this.ctx.log.info({ ...q.ref, open: r.open }, "locker: a kept door report is recorded");
        }
      }
      this.unwritten.delete(key);
    } finally {
      q.draining = false;
    }
  }

  /** Once the store writes again: the kept door reports, in order. */
  private async retryUnwritten(): Promise<void> {
    if (storeFaultOf(this.ctx.db).active) return;
    for (const [key, q] of [...this.unwritten]) if (q.stalled !== undefined) await this.drain(key);
  }

  private async apply(ref: CompartmentRef, report: DoorReport, committed: () => void): Promise<void> {
    const { compartments, parcels, log } = this.ctx;
    const ts = report.ts;
    const presentIn = report.present;
    await this.ctx.announcer.commit((out) => {
      out.afterwards(committed);
      const row = compartments.get(ref);
      if (!row || row.retired === 1) {
        log.warn({ ref }, "locker: door report for an unknown compartment ignored");
        return;
      }
      const knownPresent = row.present === null ? undefined : row.present === 1;
      const present = row.has_presence === 1 ? (presentIn ?? knownPresent) : undefined;
      if (row.door_open !== null && (row.door_open === 1) === report.open) {
        compartments.setPresence(ref, presentIn);
        if (!report.open && presentIn === true && row.present !== 1) this.filledUnseen(ref, row, out);
        return;
      }
      const parcel = parcels.activeIn(ref);
      const base: JsonObject = { device: ref.device, compartment: ref.compartment };
      if (parcel) base.parcelId = parcel.id;
      if (present !== undefined) base.present = present;
      if (report.open) {
        const initial = row.door_open === null;
        const intent = this.intentFor(row, ts);
        compartments.setDoor(ref, true, presentIn, ts);
        out.emit(
          ref.device,
          "door.opened",
          {
            ...base,
            expected: intent !== undefined,
            purpose: intent?.purpose ?? null,
            ...(initial ? { initial } : {}),
          },
          { ts },
        );
        if (!intent && !initial) out.emit(ref.device, "door.forced", { ...base }, { ts });
        for (const r of this.reactors) r.opened?.({ ref, row, parcel, intent, present, out });
      } else {
        if (row.door_open === null) {
          // First reading after a fresh start: a closed door is no news.
          compartments.setDoor(ref, false, presentIn, ts);
          if (presentIn === true && row.present !== 1) this.filledUnseen(ref, row, out);
          return;
        }
        compartments.setDoor(ref, false, presentIn, ts);
        const openSeconds =
          row.door_changed_at === null ? null : Math.max(0, Math.round((ts - row.door_changed_at) / 1000));
        out.emit(ref.device, "door.closed", { ...base, openSeconds }, { ts });
        for (const r of this.reactors) r.closed?.({ ref, row, parcel, intent: undefined, present, out });
      }
    });
  }

  /**
   * Pulse a lock for a purpose. Idempotent per door: a door already open is not pulsed (door.already_open,
   * and the flow proceeds as if it had just opened); a pulse still waiting for its door is not repeated,
   * nor, past the open timeout, one whose board has not been read since (QH_LOCKER_UNREACHABLE,
   * "not_sent": its outcome is unknown until the board answers).
   * Rejects with QH_LOCKER_UNREACHABLE when the board did not take the pulse; `details.pulse` is
   * "unknown" when it may have (sent, and neither it nor the read after it was answered: the
   * pulse stays pending, a flow must not pulse another door for it) or "not_sent".
   */
  async pulse(ref: CompartmentRef, intent: PulseIntent): Promise<PulseOutcome> {
    const { compartments, parcels, clock, port } = this.ctx;
    const row = compartments.require(ref);
    if (intent.purpose === "deposit") {
      // a deposit moves no door the store could not record (the claim is released by the flow)
      const refused = depositRefusal(this.ctx.db);
      if (refused) throw refused;
    }
    if (row.door_open === 1) {
      await this.ctx.announcer.commit((out) => {
        const cur = compartments.require(ref);
        const parcel = parcels.activeIn(ref);
        compartments.setPulse(ref, out.now, intent, false);
        out.emit(ref.device, "door.already_open", {
          device: ref.device,
          compartment: ref.compartment,
          purpose: intent.purpose,
          ...(parcel ? { parcelId: parcel.id } : {}),
        });
        const present = cur.has_presence === 1 && cur.present !== null ? cur.present === 1 : undefined;
        for (const r of this.reactors) r.opened?.({ ref, row: cur, parcel, intent, present, out });
      });
      return "already_open";
    }
    const now = clock.now();
    if (row.pulse_pending === 1 && row.pulse_at !== null && now - row.pulse_at < this.timeoutMs())
      return "pending";
    if (row.pulse_pending === 1 && row.reachable !== 1) {
      // Past its open timeout and still pending: the board has not been read since that pulse (a
      // readable door is judged by the sweep: opened, or jammed). Its outcome is unknown (the door
      // may have opened and shut unseen): another pulse now would be blind.
      throw new QhError(
        "QH_LOCKER_UNREACHABLE",
        `locker ${ref.device} has not been read since the last pulse for ${ref.compartment} (its outcome is unknown): not pulsed again until the board answers`,
        { cause: "outcome_unknown", pulse: "not_sent" },
      );
    }
    // Recorded before it is sent: an opening seen after a crash is still known to be asked for.
    // Without an fsync of its own (it is bookkeeping, not an event): the resident is waiting at the
    // door, and the next event commit makes it durable anyway.
    withoutFsync(this.ctx.db, () => compartments.setPulse(ref, now, intent, row.has_door === 1));
    try {
      await port.open(ref);
    } catch (err) {
      const unknown = pulseOutcomeUnknown(err);
      // A pulse that may have gone out stays pending: an opening seen later is still explained by
      // it, and it is never sent again blindly. One that never left is forgotten.
      const cur = compartments.get(ref);
      if (!unknown && cur?.pulse_pending === 1 && cur.pulse_at === now) compartments.clearPulsePending(ref);
      const cause = isQhError(err) ? err.code : (err as Error)?.message;
      throw new QhError(
        "QH_LOCKER_UNREACHABLE",
        unknown
          ? `locker ${ref.device} did not answer the pulse for ${ref.compartment} nor the read after it: ${(err as Error)?.message ?? err}`
          : `locker ${ref.device} did not take the pulse for ${ref.compartment}: ${(err as Error)?.message ?? err}`,
        { cause, pulse: unknown ? "unknown" : "not_sent" },
      );
    }
    return "pulsed";
  }

  /**
   * Pulses with no opening become jams (only where the board answers: a door not seen is no jam;
   * its pulse stays pending until the board is read again); doors open too long become left_open.
   */
  async sweep(now: number): Promise<void> {
    const { compartments, parcels, announcer, log, settings } = this.ctx;
    await this.retryUnwritten();
    for (const due of compartments.pulsesDue(now - this.timeoutMs())) {
      const ref = refOf(due);
      // a report of this door waits to be written: the door may well have opened
      if (this.unwritten.has(refKey(ref))) continue;
      await announcer
        .commit((out) => {
          const row = compartments.get(ref);
          if (row?.pulse_pending !== 1 || row.pulse_at !== due.pulse_at || row.reachable !== 1) return;
          // no opening seen, but the item is inside: the door opened and shut unseen (no jam)
          if (row.door_open === 0 && row.present === 1 && this.filledUnseen(ref, row, out)) return;
          compartments.clearPulsePending(ref);
          if (row.oos_reason === null || row.oos_reason === "jammed") {
            compartments.setOutOfService(
              ref,
              "jammed",
              `door did not open within ${settings.doorOpenTimeoutSeconds}s of a ${row.pulse_purpose} pulse`,
              out.now,
            );
          }
          const parcel = parcels.activeIn(ref);
          // a distribution bundle's pulse (load, collect, a volunteer's retrieve) names its bundle
          const bundleId =
            !parcel && row.pulse_parcel !== null && BUNDLE_PURPOSES.has(row.pulse_purpose ?? "")
              ? row.pulse_parcel
              : undefined;
          out.emit(ref.device, "door.jammed", {
            device: ref.device,
            compartment: ref.compartment,
            purpose: row.pulse_purpose,
            ...(parcel ? { parcelId: parcel.id } : {}),
            ...(bundleId ? { bundleId } : {}),
            pulsedAt: new Date(row.pulse_at ?? out.now).toISOString(),
            timeoutSeconds: settings.doorOpenTimeoutSeconds,
          });
          const intent = intentOf(row);
          for (const r of this.reactors) r.jammed?.({ ref, row, parcel, intent, present: undefined, out });
        })
        .catch((err: unknown) =>
          log.error({ ref, err: (err as Error)?.message }, "locker: jam handling not fully durable"),
        );
    }
    for (const due of compartments.leftOpenDue(now - settings.doorLeftOpenSeconds * 1000)) {
      const ref = refOf(due);
      if (this.unwritten.has(refKey(ref))) continue; // its closing may be among them
      await announcer
        .commit((out) => {
          const row = compartments.get(ref);
          if (
            row?.door_open !== 1 ||
            row.left_open_reported === 1 ||
            row.door_changed_at !== due.door_changed_at
          )
            return;
          compartments.markLeftOpenReported(ref);
          const parcel = parcels.activeIn(ref);
          out.emit(ref.device, "door.left_open", {
            device: ref.device,
            compartment: ref.compartment,
            ...(parcel ? { parcelId: parcel.id } : {}),
            openSince: new Date(row.door_changed_at ?? out.now).toISOString(),
            openSeconds: Math.round((out.now - (row.door_changed_at ?? out.now)) / 1000),
          });
        })
        .catch((err: unknown) =>
          log.error({ ref, err: (err as Error)?.message }, "locker: left-open event not durable"),
        );
    }
  }

  /**
   * Inside a commit: a shut door with a pulse pending reads an item inside (a compartment with a
   * presence sensor only). A reactor that takes it as the pulse's outcome spends the pulse;
   * otherwise nothing changes (the pulse may still be a jam). Returns whether one took it.
   */
  private filledUnseen(ref: CompartmentRef, row: CompartmentRow, out: Outcome): boolean {
    if (row.pulse_pending !== 1 || row.has_presence !== 1) return false;
    const intent = intentOf(row);
    const parcel = this.ctx.parcels.activeIn(ref);
    let taken = false;
    for (const r of this.reactors)
      if (r.filledUnseen?.({ ref, row, parcel, intent, present: true, out }) === true) taken = true;
    if (!taken) return false;
    this.ctx.compartments.clearPulsePending(ref);
    this.ctx.log.info(
      { ...ref, purpose: row.pulse_purpose },
      "locker: the door opened and shut unseen for a pending pulse (an item is inside now): no jam",
    );
    return true;
  }

  /** The pulse an opening at `ts` answers: one still pending, or one sent within the open timeout. */
  private intentFor(row: CompartmentRow, ts: number): PulseIntent | undefined {
    if (row.pulse_at === null || row.pulse_purpose === null) return undefined;
    if (row.pulse_pending !== 1 && ts - row.pulse_at > this.timeoutMs()) return undefined;
    // A latch releases once: a door that has moved since the pulse has used it up, so a second
    // opening inside the timeout (pried open right after a deposit) is not explained by it.
    if (row.pulse_pending !== 1 && row.door_changed_at !== null && row.door_changed_at > row.pulse_at) {
      return undefined;
    }
    return intentOf(row);
  }

  private timeoutMs(): number {
    return this.ctx.settings.doorOpenTimeoutSeconds * 1000;
  }
}

/** Pulse purposes that may carry a distribution bundle's id (in `pulse_parcel`) when no parcel is inside. */
const BUNDLE_PURPOSES = new Set(["load", "collect", "retrieve"]);

function intentOf(row: CompartmentRow): PulseIntent | undefined {
  if (row.pulse_purpose === null) return undefined;
  return {
    purpose: row.pulse_purpose,
    parcelId: row.pulse_parcel ?? undefined,
    terminal: row.pulse_terminal ?? undefined,
    commandId: row.pulse_command ?? undefined,
  };
}

/** A port error saying the pulse went out but its outcome is unknown (the board went silent). */
export function pulseOutcomeUnknown(err: unknown): boolean {
  return isQhError(err) && (err.details as { pulse?: string } | undefined)?.pulse === "unknown";
}
