/**
 * Lots on stock: what a scan loaded where, what blocks a vending slot or a parcel, recalls.
 *
 * - A vending slot holds every lot loaded into it since it was last emptied (its count reached 0,
 *   or a restock with `replace`); a sale from the slot may be any of them. The slot is blocked
 *   from cashless sale while it holds a lot that is recalled or past its expiry date.
 * - A parcel holds the lots scanned while its deposit's door was assigned or open; a recalled lot
 *   blocks the parcel's pickup by the resident (the courier's retrieval and the platform's
 *   `locker.open` still take it out).
 * - Expiry: a date (YYYY-MM-DD) is sold through its day in the site's time zone
 *   (`trace.timeZone`), and expired from the next day's 00:00. "Today" is read from the gateway
 *   clock (src/core/timekeeper.ts): step-free and never before the last time the store recorded,
 *   so a clock that boots at 1970 or steps back cannot unexpire a lot. An expiry once found is
 *   kept (`expired_at`) and `stock.expired` is emitted once: no later clock change lifts the block,
 *   only emptying the slot. While the wall clock is not synchronised the check still runs (a lot
 *   sold past its date is the worse mistake) and the event carries `clock: "unsynced"`.
 *
 * Errors: the GS1 codes (gs1.ts), QH_TRACE_LOT_RECALLED, QH_TRACE_LOT_EXPIRED; the store's own.
 */
import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { bundleRefusal, loadBundleLot, type PlannedLot, recordPlannedLots } from "./bundles.js";
import { type Gs1Scan, parseGs1, printable } from "./gs1.js";
import { cachedStatement, insertLoad, RUN_ON_CANDIDATES } from "./load-row.js";
import type { TraceOutbox, TraceTx } from "./outbox.js";
import { checkRunOns, earliest } from "./run-ons.js";
import { migrateTrace } from "./schema.js";

/** A lot read from a scan, ready to load. */
export interface ScannedLot {
  gtin: string;
  lot: string;
  expiry?: string;
  serial?: string;
  /** (37)/(30) from the code, if any */
  count?: number;
  /** the scan as received, control characters shown (<GS>) */
  code: string;
  warnings: string[];
  /**
   * the lots this (10) may really be, had the scanner sent the separator it dropped (gs1.ts
   * runOns; recorded under trace.gs1.runOnLots: record): a recall of any of them blocks this load
   */
  candidates?: string[];
}

/** Why a slot may not sell now: the vend is denied with this reason (vend.denied). */
export interface SlotBlock extends JsonObject {
  reason: "lot_recalled" | "lot_expired";
  lot: { gtin: string; lot: string; expiry: string | null };
}

/** The active parcel states (a parcel in a compartment, or on its way in or out). */
export const PARCEL_IN_LOCKER = ["depositing", "stored", "overdue", "collecting", "retrieving"];

export interface TraceLotsOptions {
  db: Database.Database;
  outbox: TraceOutbox;
  clock: Clock;
  log: Logger;
  /** trace.gs1.separator */
  separator?: string;
  /**
   * trace.gs1.runOnLots: what a lot ending like a date AI (`MILK010517260103`) in a scan with no
   * group separator at all is: "refuse" (default: QH_GS1_SEPARATOR, the scanner is to be fixed)
   * or "record" (this site's lots really end so, recorded as scanned with a warning)
   */
  runOnLots?: "refuse" | "record";
  /** trace.timeZone (IANA); default the system's */
  timeZone?: string;
}

export class TraceLots {
  private readonly db: Database.Database;
  private readonly day: Intl.DateTimeFormat;

  /** Creates the tables (component trace). @throws QH_CONFIG_INVALID for an unknown time zone */
  constructor(private readonly o: TraceLotsOptions) {
    this.db = o.db;
    migrateTrace(o.db);
    this.day = dayFormat(o.timeZone);
  }

  /** the last day formatted, by wall-clock second (a load checks thousands of lots in one go) */
  private lastDay: { second: number; day: string } | undefined;

  /** Today's date (YYYY-MM-DD) in the site's time zone, on the gateway clock. */
  today(): string {
    const now = this.o.clock.now();
    const second = Math.floor(now / 1000);
    if (this.lastDay?.second !== second) this.lastDay = { second, day: this.day.format(new Date(now)) };
    return this.lastDay.day;
  }

  /** Whether a lot with this expiry date is past it today. */
  isExpired(expiry: string | null | undefined): boolean {
    return expiry !== null && expiry !== undefined && expiry < this.today();
  }

  /**
   * Read a scan as a lot to load: GTIN and lot required; a recalled or expired lot is refused.
   * @throws QH_GS1_* (the code), QH_GS1_INVALID (no (01) or no (10)), QH_TRACE_LOT_RECALLED,
   *   QH_TRACE_LOT_EXPIRED
   */
  scan(code: string): ScannedLot {
    const g: Gs1Scan = parseGs1(code, {
      separator: this.o.separator,
      year: new Date(this.o.clock.now()).getUTCFullYear(),
    });
    if (g.gtin === undefined || g.lot === undefined)
      throw new QhError(
        "QH_GS1_INVALID",
        `a lot scan needs a GTIN (01) and a lot (10); this code has ${g.elements.map((e) => `(${e.ai})`).join("") || "none"}`,
        { code: printable(code) },
      );
    // (15) best before and (17) expiry: the earlier one is the limit (selling past either is not allowed)
    const expiry = earliest(g.expiry, g.bestBefore);
    const lot: ScannedLot = {
      gtin: g.gtin,
      lot: g.lot,
      ...(expiry !== undefined ? { expiry } : {}),
      ...(g.serial !== undefined ? { serial: g.serial } : {}),
      ...(g.count !== undefined ? { count: g.count } : {}),
      code: printable(code),
      warnings: g.warnings,
    };
    const candidates = checkRunOns(g, code, this, this.o);
    this.assertLoadable(lot);
    return candidates.length > 0 ? { ...lot, candidates } : lot;
  }

  /** @throws QH_TRACE_LOT_RECALLED, QH_TRACE_LOT_EXPIRED */
  assertLoadable(lot: { gtin: string; lot: string; expiry?: string }): void {
    const r = this.recallOf(lot.gtin, lot.lot);
    if (r)
      throw new QhError(
        "QH_TRACE_LOT_RECALLED",
        `lot ${lot.lot} of ${lot.gtin} is recalled (${r.recall_id})`,
        {
          gtin: lot.gtin,
          lot: lot.lot,
          recallId: r.recall_id,
        },
      );
    if (this.isExpired(lot.expiry))
      throw new QhError(
        "QH_TRACE_LOT_EXPIRED",
        `lot ${lot.lot} of ${lot.gtin} expired on ${lot.expiry} (today is ${this.today()})`,
        { gtin: lot.gtin, lot: lot.lot, expiry: lot.expiry, today: this.today() },
      );
  }

  /**
   * Record a lot loaded into a vending slot, in the restock's transaction (`tx`: the vending
   * recorder's, so the count, the load and `stock.restocked` commit together); emits
   * `stock.lot_loaded`. Returns the lot as the restock event shows it.
   */
  loadSlot(
    tx: { now: number; emit(device: string, type: string, data: JsonObject): void },
    device: string,
    slot: number,
    lot: ScannedLot,
    quantity: number,
    by: string,
  ): JsonObject {
    const salesFrom = this.lastSaleRowid();
    insertLoad(this.db, {
      gtin: lot.gtin,
      lot: lot.lot,
      expiry: lot.expiry,
      serial: lot.serial,
      quantity,
      kind: "slot",
      device,
      slot,
      salesFrom,
      loadedAt: tx.now,
      clockUnsynced: !this.o.clock.synced(),
      by,
      code: lot.code,
      candidates: lot.candidates,
    });
    const data = { slot, gtin: lot.gtin, lot: lot.lot, expiry: lot.expiry ?? null, quantity, by };
    tx.emit(device, "stock.lot_loaded", data);
    return { gtin: lot.gtin, lot: lot.lot, expiry: lot.expiry ?? null, quantity };
  }

  /**
   * The slot is empty (sold out, counted 0, or restocked with `replace`): every lot in it leaves
   * it, and with them its blocks. `saleId`: the sale that emptied it (its rowid ends the lots'
   * sales). In the caller's transaction.
   */
  endSlot(now: number, device: string, slot: number, saleId?: string): number {
    const salesTo =
      saleId === undefined
        ? this.lastSaleRowid()
        : ((this.db.prepare("SELECT rowid FROM vending_sales WHERE id = ?").pluck().get(saleId) as
            | number
            | undefined) ?? this.lastSaleRowid());
    return this.db
      .prepare(
        "UPDATE trace_loads SET ended_at = ?, sales_to = ? WHERE kind = 'slot' AND device = ? AND slot = ? AND ended_at IS NULL",
      )
      .run(now, salesTo, device, slot).changes;
  }

  /** Why the slot may not sell now (a recalled or expired lot in it), or undefined. */
  slotBlock(device: string, slot: number): SlotBlock | undefined {
    const rows = this.db
      .prepare(
        `SELECT l.gtin, l.lot, l.expiry, l.expired_at, r.recall_id FROM trace_loads l
         LEFT JOIN trace_recalls r ON r.gtin = l.gtin AND (r.lot = l.lot OR r.lot IN (${RUN_ON_CANDIDATES}))
         WHERE l.kind = 'slot' AND l.device = ? AND l.slot = ? AND l.ended_at IS NULL`,
      )
      .all(device, slot) as {
      gtin: string;
      lot: string;
      expiry: string | null;
      expired_at: number | null;
      recall_id: string | null;
    }[];
    const recalled = rows.find((r) => r.recall_id !== null);
    const show = (r: (typeof rows)[number]) => ({ gtin: r.gtin, lot: r.lot, expiry: r.expiry });
    if (recalled) return { reason: "lot_recalled", lot: show(recalled) };
    const expired = rows.find((r) => r.expired_at !== null || this.isExpired(r.expiry));
    if (expired) return { reason: "lot_expired", lot: show(expired) };
    return undefined;
  }

  /**
   * Record a lot scanned into a parcel being deposited (its own transaction; `parcel.lot_loaded`).
   * Resolves once the event is durable.
   */
  async loadParcel(
    parcel: { id: string; device: string; compartment: string },
    lot: ScannedLot,
    by: string,
  ): Promise<JsonObject> {
    const quantity = lot.count ?? 1;
    const { result, durable } = this.o.outbox.commit((tx) => {
      insertLoad(this.db, {
        gtin: lot.gtin,
        lot: lot.lot,
        expiry: lot.expiry,
        serial: lot.serial,
        quantity,
        kind: "parcel",
        device: parcel.device,
        parcelId: parcel.id,
        loadedAt: tx.now,
        clockUnsynced: !this.o.clock.synced(),
        by,
        code: lot.code,
        candidates: lot.candidates,
      });
      const data = {
        parcelId: parcel.id,
        compartment: parcel.compartment,
        gtin: lot.gtin,
        lot: lot.lot,
        expiry: lot.expiry ?? null,
        quantity,
      };
      tx.emit(parcel.device, "parcel.lot_loaded", data);
      return data;
    });
    await durable;
    return result;
  }

  /** The refusal of a resident's pickup of a parcel holding a recalled lot, or undefined. */
  pickupRefusal(parcelId: string): QhError | undefined {
    const r = this.db
      .prepare(
        `SELECT l.gtin, l.lot, r.recall_id FROM trace_loads l
         JOIN trace_recalls r ON r.gtin = l.gtin AND (r.lot = l.lot OR r.lot IN (${RUN_ON_CANDIDATES}))
         WHERE l.parcel_id = ? LIMIT 1`,
      )
      .get(parcelId) as { gtin: string; lot: string; recall_id: string } | undefined;
    if (!r) return undefined;
    return new QhError(
      "QH_TRACE_LOT_RECALLED",
      `this parcel holds lot ${r.lot} of ${r.gtin}, which is recalled: it cannot be collected; the courier takes it back`,
      { parcelId, gtin: r.gtin, lot: r.lot, recallId: r.recall_id },
    );
  }

  /**
   * Record a lot scanned into the bundle behind a volunteer's door (`bundle.lot_loaded`, bundles.ts).
   * Resolves once the event is durable.
   */
  loadBundle(
    bundle: { bundleId: string; roundId: string; device: string; compartment: string },
    lot: ScannedLot,
    by: string,
  ): Promise<JsonObject> {
    return loadBundleLot(this.o.outbox, this.o.clock, bundle, lot, by);
  }

  /**
   * Record the lots the platform named for a bundle, in the caller's transaction (same database).
   * `device`: the gateway's id. Check each with {@link assertLoadable} first.
   */
  recordPlannedLots(
    now: number,
    device: string,
    bundleId: string,
    lots: readonly PlannedLot[],
    by: string,
  ): void {
    recordPlannedLots(this.db, now, this.o.clock.synced(), device, bundleId, lots, by);
  }

  /**
   * The refusal of a bundle holding a recalled lot or a lot past its expiry date today (its
   * collection or its loading: QH_TRACE_LOT_RECALLED, QH_TRACE_LOT_EXPIRED), or undefined.
   */
  bundleRefusal(bundleId: string, purpose: "collect" | "load"): QhError | undefined {
    return bundleRefusal(this.db, bundleId, purpose, this.today());
  }

  /**
   * Find lots on sale past their expiry date: mark them (the block stays, whatever the clock does
   * later) and emit `stock.expired` once per slot and lot. Returns how many were found.
   */
  checkExpiry(): number {
    const today = this.today();
    const due = this.db
      .prepare(
        `SELECT id, device, slot, gtin, lot, expiry, quantity FROM trace_loads
         WHERE kind = 'slot' AND ended_at IS NULL AND expired_at IS NULL AND expiry IS NOT NULL AND expiry < ?`,
      )
      .all(today) as {
      id: number;
      device: string;
      slot: number;
      gtin: string;
      lot: string;
      expiry: string;
      quantity: number;
    }[];
    if (due.length === 0) return 0;
    const { durable } = this.o.outbox.commit((tx: TraceTx) => {
      const mark = tx.db.prepare("UPDATE trace_loads SET expired_at = ? WHERE id = ? AND expired_at IS NULL");
      for (const d of due) {
        if (mark.run(tx.now, d.id).changes === 0) continue;
        tx.emit(d.device, "stock.expired", {
          slot: d.slot,
          gtin: d.gtin,
          lot: d.lot,
          expiry: d.expiry,
          today,
          quantity: d.quantity,
          blocked: true,
        });
      }
    });
    durable.catch((err: unknown) => this.o.log.warn({ err }, "stock.expired not yet durable"));
    return due.length;
  }

  /**
   * The recall of a lot, if it is recalled: the lot itself, or (a lot recorded as a run-on,
   * `trace_run_ons`) one of the lots it may really be.
   */
  recallOf(gtin: string, lot: string): { recall_id: string; at: number; reason: string | null } | undefined {
    return (
      this.recallExactly(gtin, lot) ??
      (cachedStatement(
        this.db,
        `SELECT r.recall_id, r.at, r.reason FROM trace_run_ons o JOIN trace_recalls r ON r.gtin = o.gtin AND r.lot = o.candidate
           WHERE o.gtin = ? AND o.lot = ? ORDER BY r.at LIMIT 1`,
      ).get(gtin, lot) as { recall_id: string; at: number; reason: string | null } | undefined)
    );
  }

  /** The recall of exactly this lot, if it is recalled. */
  recallExactly(
    gtin: string,
    lot: string,
  ): { recall_id: string; at: number; reason: string | null } | undefined {
    return cachedStatement(
      this.db,
      "SELECT recall_id, at, reason FROM trace_recalls WHERE gtin = ? AND lot = ?",
    ).get(gtin, lot) as { recall_id: string; at: number; reason: string | null } | undefined;
  }

  /** The last vending_sales rowid (0 before the first sale; null at a site without vending). */
  private lastSaleRowid(): number | null {
    try {
      return (
        (this.db.prepare("SELECT coalesce(max(rowid), 0) FROM vending_sales").pluck().get() as number) ?? 0
      );
    } catch {
      return null;
    }
  }
}

/**
 * A formatter of YYYY-MM-DD in the zone.
 * @throws QhError QH_CONFIG_INVALID naming trace.timeZone when the zone is unknown
 */
export function dayFormat(timeZone?: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  } catch {
    throw new QhError(
      "QH_CONFIG_INVALID",
      `trace.timeZone: ${timeZone} is not a time zone this system knows (e.g. Asia/Shanghai)`,
    );
  }
}
