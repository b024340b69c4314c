/**
 * The parcels an excursion touched, and the events that say so. While a zone may be in an
 * excursion, every reading adds the parcels inside since the previous one to `cold_exposure`
 * (kept across restarts); when its temperature alarm clears, each is named in one
 * parcel.cold_chain_breach and kept in `cold_breaches` (the pickup answer reads it). A
 * distribution bundle in a held compartment of the zone (issue 11) is named the same way in one
 * bundle.cold_chain_breach, and its collect answer carries the breach like a parcel's pickup.
 */
import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import type { Outcome } from "../locker/outbox.js";
import type { CompartmentRef } from "../locker/ports.js";
import type { ParcelInZone, ParcelLocator } from "./parcels.js";
import type { Alarm, AlarmAction, ZoneConfig } from "./types.js";

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function minutes(seconds: number): number {
  return Math.round((seconds / 60) * 10) / 10;
}

export class Exposure {
  private readonly st: Record<string, Database.Statement>;

  constructor(
    private readonly db: Database.Database,
    private readonly parcels: ParcelLocator | undefined,
    private readonly log: Logger,
  ) {
    this.st = {
      expose: db.prepare(
        "INSERT OR IGNORE INTO cold_exposure (zone, parcel_id, device, compartment) VALUES (?, ?, ?, ?)",
      ),
      exposed: db.prepare(
        "SELECT parcel_id AS parcelId, device, compartment FROM cold_exposure WHERE zone = ?",
      ),
      unexpose: db.prepare("DELETE FROM cold_exposure WHERE zone = ?"),
      breach: db.prepare(
        "INSERT OR IGNORE INTO cold_breaches (parcel_id, alarm_id, zone, device, compartment, start_at, end_at, peak_c, minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
    };
  }

  /** Adds the parcels inside `compartments` at any moment since `sinceMs`. */
  track(zone: string, compartments: readonly CompartmentRef[], sinceMs: number): void {
    for (const p of this.parcels?.presentSince(compartments, sinceMs) ?? [])
      this.st.expose!.run(zone, p.parcelId, p.device, p.compartment);
  }

  has(zone: string, parcelId: string): boolean {
    return (this.st.exposed!.all(zone) as ParcelInZone[]).some((p) => p.parcelId === parcelId);
  }

  forget(zone: string): void {
    this.st.unexpose!.run(zone);
  }

  /**
   * Emits an alarm action's events into `out` (in the caller's transaction): cold.alarm.raised, or
   * for a cleared temperature alarm one parcel.cold_chain_breach per parcel tracked, then
   * cold.alarm.cleared.
   */
  announce(cfg: ZoneConfig, a: AlarmAction, out: Outcome): void {
    const al = a.alarm;
    const base: JsonObject = {
      alarmId: al.id,
      zone: cfg.id,
      kind: al.kind,
      ...(al.rule ? { rule: al.rule } : {}),
      minC: cfg.limits.min,
      maxC: cfg.limits.max,
      since: iso(al.startAt),
      compartments: cfg.compartments.map((c) => `${c.device}/${c.compartment}`),
    };
    const temp = al.kind === "temperature";
    if (a.type === "raised") {
      out.emit(cfg.controller.device, "cold.alarm.raised", {
        ...base,
        raisedAt: iso(al.raisedAt),
        ...(temp ? { peakC: al.peakC ?? null, minutesOutOfRange: minutes(al.outSeconds) } : {}),
        readings: al.readings as unknown as JsonObject[],
      });
      this.log.warn({ zone: cfg.id, kind: al.kind, rule: al.rule }, "cold: alarm raised");
      return;
    }
    const named = temp ? this.breaches(cfg, al, a.endAt, out) : 0;
    out.emit(cfg.controller.device, "cold.alarm.cleared", {
      ...base,
      raisedAt: iso(al.raisedAt),
      clearedAt: iso(a.endAt),
      ...(temp
        ? { peakC: al.peakC ?? null, minutesOutOfRange: minutes(al.outSeconds), parcelsBreached: named }
        : {}),
      readings: a.readings as unknown as JsonObject[],
    });
    this.log.info({ zone: cfg.id, kind: al.kind, parcels: named }, "cold: alarm cleared");
  }

  /** Names every parcel that was in the zone during the excursion (parcel.cold_chain_breach). */
  private breaches(cfg: ZoneConfig, al: Alarm, endAt: number, out: Outcome): number {
    const zone = cfg.id;
    // Exactly the parcels whose stay overlaps the excursion reported (startAt..endAt): those still
    // inside at or after its start (deposits during an alarm are refused; a parcel picked up
    // before the start was not exposed even if it was tracked while earlier spans were counted).
    const seen = new Map<string, ParcelInZone>();
    for (const p of this.parcels?.presentSince(cfg.compartments, al.startAt) ?? [])
      if (!seen.has(p.parcelId)) seen.set(p.parcelId, p);
    const rows = [...seen.values()];
    const mins = minutes(al.outSeconds);
    // a held item (a distribution bundle) is kept under its own id in cold_breaches too: its
    // collect answer reads it exactly as a parcel's pickup does (gate.ts pickupNotice)
    for (const p of rows) {
      this.st.breach!.run(
        p.parcelId,
        al.id,
        zone,
        p.device,
        p.compartment,
        al.startAt,
        endAt,
        al.peakC ?? null,
        mins,
      );
      out.emit(p.device, p.kind === "bundle" ? "bundle.cold_chain_breach" : "parcel.cold_chain_breach", {
        ...(p.kind === "bundle"
          ? { bundleId: p.parcelId, roundId: p.roundId ?? null }
          : { parcelId: p.parcelId }),
        device: p.device,
        compartment: p.compartment,
        zone,
        alarmId: al.id,
        rule: al.rule ?? "single",
        excursionStart: iso(al.startAt),
        excursionEnd: iso(endAt),
        peakC: al.peakC ?? null,
        minutesOutOfRange: mins,
      });
    }
    this.forget(zone);
    return rows.filter((p) => p.kind !== "bundle").length;
  }

  /** Breaches recorded for a parcel (oldest first). */
  breachesOf(parcelId: string): JsonObject[] {
    const rows = this.db
      .prepare("SELECT * FROM cold_breaches WHERE parcel_id = ? ORDER BY start_at")
      .all(parcelId) as {
      alarm_id: string;
      zone: string;
      start_at: number;
      end_at: number;
      peak_c: number | null;
      minutes: number;
    }[];
    return rows.map((b) => ({
      zone: b.zone,
      alarmId: b.alarm_id,
      excursionStart: iso(b.start_at),
      excursionEnd: iso(b.end_at),
      peakC: b.peak_c,
      minutesOutOfRange: b.minutes,
    }));
  }
}
