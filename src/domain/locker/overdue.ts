import { isQhError, QhError } from "../../core/errors.js";
import { closeCollection, notifyCollect } from "./collection.js";
import { refOf } from "./compartments.js";
import { type DoorChange, type DoorReactor, type DoorTruth, pulseOutcomeUnknown } from "./doors.js";
import { iso, type ParcelRow, parcelData } from "./parcels.js";
import type { CompartmentRef } from "./ports.js";
import type { LockerContext, PickupResult, RetrieveResult } from "./types.js";

/** Which overdue parcel a courier takes back: one by id or by compartment; all when absent. */
export type RetrieveChoice = { parcelId: string } | CompartmentRef;

/**
 * Overdue parcels. sweep(): a stored parcel past its deadline becomes overdue (parcel.overdue,
 * compartment overdue); its pickup code keeps working until the courier takes it back. retrieve():
 * the courier's code opens their overdue compartments one after the other (or the chosen one);
 * parcel.retrieved is emitted when each door closes and the compartment is free again.
 */
export class OverdueDesk implements DoorReactor {
  constructor(
    private readonly ctx: LockerContext,
    private readonly doors: DoorTruth,
  ) {}

  async sweep(now: number): Promise<void> {
    const { parcels, compartments, announcer } = this.ctx;
    // A reservation's deadline is the platform's wall time: judged only on a synchronised clock.
    // The gateway's own deadlines hold on any clock (re-anchored when it is corrected).
    // So is a deadline computed on a clock that was right, before the present unsynchronised
    // stretch (running on from a recorded time that may be ahead): judged once synchronised again.
    const synced = this.ctx.clock.synced();
    const since = synced ? undefined : this.ctx.clock.unsyncedSince?.();
    const due = parcels
      .due("stored", now)
      .filter(
        (p) =>
          synced || (p.kind !== "reservation" && (since === undefined || (p.deposited_at ?? since) >= since)),
      );
    if (due.length === 0) return;
    await announcer.commit((out) => {
      for (const d of due) {
        const p = parcels.get(d.id);
        if (p?.state !== "stored" || p.device === null || p.compartment === null) continue;
        parcels.patch(p.id, { state: "overdue", overdue_at: out.now }, out.now);
        compartments.refresh(refOf({ device: p.device, compartment: p.compartment }), out.now);
        out.emit(p.device, "parcel.overdue", {
          ...parcelData(p),
          courier: p.courier,
          deadline: iso(p.deadline),
        });
      }
    });
  }

  async retrieve(terminal: string, courierCode: string, choice?: RetrieveChoice): Promise<RetrieveResult> {
    const { guard, courierCodes, parcels, terminals } = this.ctx;
    this.ctx.terminals.require(terminal);
    guard.assertOpen(terminal);
    const courier = typeof courierCode === "string" ? courierCodes.identify(courierCode) : undefined;
    if (courier === undefined) return guard.wrong(terminal, "courier");
    guard.reset(terminal);
    const scope = terminals.devicesFor(terminal);
    let list = parcels
      .overdueOf(courier)
      .filter((p): p is Located => p.device !== null && p.compartment !== null)
      .filter((p) => scope === undefined || scope.includes(p.device));
    if (choice !== undefined) {
      list = list.filter((p) =>
        "parcelId" in choice
          ? p.id === choice.parcelId
          : p.device === choice.device && p.compartment === choice.compartment,
      );
    }
    if (list.length === 0) {
      throw new QhError(
        "QH_LOCKER_PARCEL_UNKNOWN",
        `no overdue parcel of courier ${courier} to take back here`,
      );
    }
    const result: RetrieveResult = { courier, opened: [], failed: [] };
    // Boards that went silent after one of these pulses (outcome unknown: its door may be open):
    // no other door of theirs is pulsed blind in this round (issue 7); those fail unpulsed.
    const silent = new Set<string>();
    const boardOf = (ref: CompartmentRef) => `${ref.device}/${this.ctx.compartments.get(ref)?.board ?? ""}`;
    for (const p of list) {
      const ref = refOf(p);
      if (silent.has(boardOf(ref))) {
        const err = new QhError(
          "QH_LOCKER_UNREACHABLE",
          `locker ${ref.device} went silent after a pulse on the same board: ${ref.compartment} not pulsed`,
          { pulse: "not_sent" },
        );
        result.failed.push({ parcelId: p.id, ...ref, error: { code: err.code, message: err.message } });
        continue;
      }
      try {
        const door = await this.doors.pulse(ref, { purpose: "retrieve", parcelId: p.id, terminal });
        const r: PickupResult = { parcelId: p.id, ...ref, door };
        result.opened.push(r);
      } catch (err) {
        if (!isQhError(err)) throw err;
        if (pulseOutcomeUnknown(err)) silent.add(boardOf(ref));
        result.failed.push({ parcelId: p.id, ...ref, error: { code: err.code, message: err.message } });
      }
    }
    return result;
  }

  opened(c: DoorChange): void {
    const p = c.parcel;
    if (p?.state !== "overdue") return;
    if (c.intent?.purpose !== "retrieve" || c.intent.parcelId !== p.id) return;
    this.ctx.parcels.patch(p.id, { state: "retrieving", terminal: c.intent.terminal ?? null }, c.out.now);
    this.ctx.compartments.refresh(c.ref, c.out.now);
    const terminal = c.intent.terminal ?? null;
    notifyCollect(this.ctx, c, "retrieve", terminal, p.id, "open");
  }

  closed(c: DoorChange): void {
    const p = c.parcel;
    if (p?.state !== "retrieving") return;
    closeCollection(this.ctx, c, p, {
      kind: "retrieve",
      notRemoved: { state: "overdue", data: { by: "courier", courier: p.courier } },
      done: {
        state: "retrieved",
        event: "parcel.retrieved",
        data: { courier: p.courier, terminal: p.terminal, recalled: p.recalled_at !== null },
      },
    });
  }

  jammed(c: DoorChange): void {
    const p = c.parcel;
    if (!p || c.intent?.purpose !== "retrieve" || c.intent.parcelId !== p.id) return;
    notifyCollect(this.ctx, c, "retrieve", c.intent.terminal ?? null, p.id, "jammed");
  }
}

type Located = ParcelRow & { device: string; compartment: string };
