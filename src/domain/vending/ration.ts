/**
 * Rationed vending (issue 11, emergency supply): while the site mode (SiteMode, src/domain/site/)
 * is `emergency`, a cashless vend request passes this gate (the reader's slotGate, after the trace
 * block) or is denied (`vend.denied`, reasons below); leaving emergency lifts every rule at once
 * (the gate reads the mode at each request, nothing is cached).
 *
 * Rules in emergency (docs/vending.md "Rationed vending"):
 * - `not_essential`: only slots the platform marked (`vend.essentials`) sell cashless;
 * - `price_above_normal` (`normalPrice`): a vend never charges more than the slot's normal price
 *   (its planogram price when the emergency began; a slot first seen in the emergency: its
 *   product's lowest normal price on the site; `vend.prices` above it is refused,
 *   QH_VEND_PRICE_CAP);
 * - `household_required`: the buyer's household must be known: a pay-first session names it
 *   (`vend.session { household }`, required in emergency: QH_VEND_HOUSEHOLD_REQUIRED); a
 *   select-first vend has none, so it is denied;
 * - `ration_exhausted` (`ration: { household, limit, used, day }`): the household bought its daily
 *   quantity of this item (the planogram's product, so two slots or machines of one product count
 *   together) on this local day (`trace.timeZone`), counted from `vend_ration_sales` plus the
 *   household's vends approved and not yet completed (two machines at once: the second is counted
 *   against the first's pending item; an approval held this way lapses after INFLIGHT_MS, a
 *   vend that never completes does not keep the household from buying for longer).
 * Cash sales are reported by the machine after the fact (MDB `13 05` CASH SALE): they are recorded
 * as always and cannot be refused (docs/vending.md).
 */
import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { JsonObject } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import type { SiteMode } from "../site/mode-types.js";
import { dayFormat } from "../trace/lots.js";
import { RationStore } from "./ration-store.js";
import type { RecordTx } from "./recorder.js";
import type { SaleRecord } from "./sales.js";

/** How long an approved vend counts against its household's ration before its sale (ms, monotonic). */
export const INFLIGHT_MS = 120_000;

/** A planogram slot as rationing needs it. */
export interface RationSlot {
  price: number;
  product: string;
}

export interface RationOptions {
  db: Database.Database;
  siteMode?: SiteMode;
  clock: Clock;
  log: Logger;
  /** IANA zone of the site's local day (trace.timeZone; default: the system's) */
  timeZone?: string;
  /** the planogram's slot, or undefined */
  slotInfo: (device: string, slot: number) => RationSlot | undefined;
  /** every planogram slot's price now (kept as the normal prices when an emergency begins) */
  allPrices: () => { device: string; slot: number; price: number }[];
}

/** What a vend request shows the gate (the reader's Vend). */
export interface GateVend {
  paymentRef: string | null;
  price: number;
}

export class Rationing {
  readonly store: RationStore;
  private readonly day: Intl.DateTimeFormat;
  private readonly off: (() => void) | undefined;
  /** vends passed by the gate and not yet sold, by paymentRef: counted in `used` (see the rules) */
  private readonly inflight = new Map<
    string,
    { household: string; item: string; day: string; until: number }
  >();

  constructor(private readonly o: RationOptions) {
    this.store = new RationStore(o.db);
    this.day = dayFormat(o.timeZone);
    // the normal prices: kept when an emergency begins, dropped when it ends
    this.off = o.siteMode?.onChange((next, previous) => {
      if (next.mode === "emergency" && previous.mode !== "emergency") this.snapshot();
      else if (next.mode === "normal") this.store.clearNormalPrices();
    });
  }

  /** At start (the planogram built): an emergency with no normal prices kept gets them now. */
  start(): void {
    if (!this.emergency()) return;
    if (!this.store.hasNormalPrices()) this.snapshot();
    else this.store.fillProducts((d, s) => this.o.slotInfo(d, s)?.product); // kept before products were
  }

  private snapshot(): void {
    const prices = this.o
      .allPrices()
      .map((p) => ({ ...p, product: this.o.slotInfo(p.device, p.slot)?.product ?? null }));
    this.store.snapshotPrices(prices);
    this.o.log.info(
      { slots: prices.length },
      "emergency: the planogram's prices kept as the normal prices (the cap)",
    );
  }

  /** Whether the site is in emergency mode now. */
  emergency(): boolean {
    return this.o.siteMode?.current().mode === "emergency";
  }

  /** Today's local date (YYYY-MM-DD) on the gateway clock. */
  today(): string {
    return this.day.format(new Date(this.o.clock.now()));
  }

  /** The item a household's ration counts: the planogram's product, else the machine's slot. */
  item(device: string, slot: number, product?: string | null): string {
    return product ?? this.o.slotInfo(device, slot)?.product ?? `${device}#${slot}`;
  }

  /**
   * The slot's normal price, the cap in emergency: the price kept for the slot when the emergency
   * began, if it held the same product then. A slot first seen during the emergency (added to the
   * planogram, or given another product) takes its product's normal price on the site: the lowest
   * kept for that product in any slot of any machine (the product id, as the ration counts it), so
   * a second slot of a product cannot sell it dearer. A product no slot held when the emergency
   * began has no normal value: its first price seen in the emergency is kept as its normal price
   * in every slot (docs/vending.md "Rationed vending"). Undefined: no such slot, nothing kept.
   */
  normalPrice(device: string, slot: number): number | undefined {
    const info = this.o.slotInfo(device, slot);
    const kept = this.store.normalPrice(device, slot);
    if (!this.emergency()) return kept?.price ?? info?.price;
    const product = info?.product ?? kept?.product ?? undefined;
    if (kept !== undefined && (kept.product === null || kept.product === product)) return kept.price;
    if (product === undefined) return undefined;
    const normal = this.store.productNormalPrice(product);
    if (normal !== undefined || info === undefined) return normal;
    this.store.keepNewProductPrice(product, info.price, device, slot, this.o.clock.now());
    this.o.log.info(
      { device, slot, product, price: info.price },
      "emergency: a product new to the site, its first price kept as its normal price",
    );
    return info.price;
  }

  /** The machines the planogram has slots of (what `vend.prices` resolves a missing device among). */
  planogramMachines(): string[] {
    return [...new Set(this.o.allPrices().map((p) => p.device))];
  }

  /**
   * The reader's slot gate: undefined (sell) in normal mode; in emergency the first rule that
   * refuses, as `{ reason, …details }` for vend.denied.
   */
  gate(device: string, slot: number, vend?: GateVend): ({ reason: string } & JsonObject) | undefined {
    if (!this.emergency()) return undefined;
    const ess = this.store.essential(device, slot);
    if (!ess) return { reason: "not_essential" };
    const normal = this.normalPrice(device, slot);
    if (vend && normal !== undefined && vend.price > normal)
      return { reason: "price_above_normal", normalPrice: normal };
    const household = this.store.householdOf(vend?.paymentRef ?? null);
    if (household === undefined) return { reason: "household_required" };
    const day = this.today();
    const item = this.item(device, slot);
    const limit = this.limitOf(item, ess.limitPerHousehold);
    const ref = vend?.paymentRef ?? null;
    const used = this.store.used(household, item, day) + this.pending(household, item, day, ref);
    if (used >= limit) return { reason: "ration_exhausted", ration: { household, limit, used, day } };
    if (ref !== null)
      this.inflight.set(ref, { household, item, day, until: this.o.clock.mono() + INFLIGHT_MS });
    return undefined;
  }

  /**
   * A household's daily limit of `item`: the smallest `limitPerHousehold` among the essential
   * slots (any machine) holding that item. The ration counts per product, so two slots of one
   * product with different limits share the stricter one (else the larger would win).
   */
  limitOf(item: string, own: number): number {
    let limit = own;
    for (const e of this.store.essentials())
      if (e.limitPerHousehold < limit && this.item(e.device, e.slot) === item) limit = e.limitPerHousehold;
    return limit;
  }

  /** The household's vends of `item` on `day` approved and not yet sold, but the one of `except`. */
  private pending(household: string, item: string, day: string, except: string | null): number {
    const now = this.o.clock.mono();
    let n = 0;
    for (const [ref, p] of this.inflight) {
      if (p.until <= now) this.inflight.delete(ref);
      else if (ref !== except && p.household === household && p.item === item && p.day === day) n++;
    }
    return n;
  }

  /** The recorder's sale hook: a cashless sale to a household in emergency counts against its ration. */
  readonly onSale = (sale: SaleRecord, tx: RecordTx): void => {
    if (sale.paymentRef !== null) this.inflight.delete(sale.paymentRef); // now counted as a sale
    if (sale.payment !== "cashless" || !this.emergency()) return;
    const household = this.store.householdOf(sale.paymentRef);
    if (household === undefined) return;
    RationStore.recordSale(tx.db, {
      saleId: sale.id,
      day: this.day.format(new Date(sale.ts)),
      household,
      item: this.item(sale.device, sale.slot, sale.product),
      device: sale.device,
      slot: sale.slot,
      at: sale.ts,
    });
  };

  stop(): void {
    this.off?.();
  }
}
