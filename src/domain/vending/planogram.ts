/**
 * Planogram and stock: what each vending machine holds, slot by slot (product, price, capacity,
 * count), kept in `vending_slots` (stock-schema.ts).
 *
 * - Every completed vend, cash or cashless, takes one off its slot: `onSale` is the hook the
 *   vending extension's recorder runs inside the sale's own transaction (src/domain/vending/
 *   recorder.ts, `VendingRecorder.onSale`), so the count and the sale commit together. Crossing
 *   the slot's low mark emits `stock.low`; reaching 0 emits `slot.sold_out`.
 * - `restock` sets counts (a refill or a recount) and emits `stock.restocked`.
 * - `setPrices` changes prices (the `vend.prices` command), emits `vend.prices_updated` and hands
 *   the machine's new lowest/highest price to the session layer (`onPriceRange`), which sets the
 *   reader's max/min price (MDB SETUP max/min price).
 *
 * Errors: QH_PLANOGRAM_MACHINE_UNKNOWN, QH_PLANOGRAM_SLOT_UNKNOWN, QH_PLANOGRAM_INPUT_INVALID
 * (naming every bad entry at once); a refusing disk throws the store's own code.
 */
import type Database from "better-sqlite3";
import type { PlanogramConfig } from "../../config/planogram.js";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { applyLots, planLots } from "./restock-lots.js";
import { migrateStock } from "./stock-schema.js";

/** What a stock change commits with: the recorder's transaction (events emitted with it). */
export interface StockTx {
  readonly now: number;
  emit(device: string, type: string, data: JsonObject): void;
}

/** The vending recorder (VendingRecorder) as far as stock needs it. */
export interface StockRecorder {
  commit<T>(fn: (tx: StockTx) => T): { result: T; durable: Promise<void> };
}

/** A recorded sale (vending_sales row) as far as stock needs it. */
export interface SaleLike {
  id: string;
  device: string;
  slot: number;
  product: string | null;
  price: number;
  payment: "cash" | "cashless";
}

/**
 * Lots loaded by scan (the trace extension's TraceLots, src/domain/trace/lots.ts): a restock with
 * a `scan` records the lot in the restock's transaction; a slot that runs empty ends its lots.
 */
export interface SlotLots {
  /** Read a scan as a lot (throws its coded error: QH_GS1_…, QH_TRACE_LOT_RECALLED/EXPIRED). */
  scan(code: string): { gtin: string; lot: string; expiry?: string; count?: number };
  loadSlot(
    tx: StockTx,
    device: string,
    slot: number,
    lot: ReturnType<SlotLots["scan"]> & { code: string; warnings: string[] },
    quantity: number,
    by: string,
  ): JsonObject;
  endSlot(now: number, device: string, slot: number, saleId?: string): number;
}

/** One slot of a restock: a count, and for a restock by scan the pack's GS1 code. */
export interface RestockEntry {
  slot: number;
  count: number;
  /** the GS1 element string scanned from the pack loaded (docs/traceability.md) */
  scan?: string;
  /** items of that lot loaded (default: the code's (37)/(30), else the count added) */
  quantity?: number;
  /** the slot was emptied first: the lots it held leave it */
  replace?: boolean;
}

/** The reader's price range for a machine: minor units. */
export interface PriceRange {
  min: number;
  max: number;
}

/** Set by the session layer: push a machine's new max/min price to its reader. */
export type PriceRangeListener = (device: string, range: PriceRange) => void | Promise<void>;

export interface SlotView {
  device: string;
  slot: number;
  product: string;
  name: string | null;
  dexProduct: string;
  price: number;
  capacity: number;
  count: number;
  lowAt: number;
  state: "ok" | "low" | "sold_out";
}

interface SlotRow {
  device: string;
  slot: number;
  product: string;
  name: string | null;
  dex_product: string;
  price: number;
  capacity: number;
  count: number;
  low_at: number;
}

function view(r: SlotRow): SlotView {
  return {
    device: r.device,
    slot: r.slot,
    product: r.product,
    name: r.name,
    dexProduct: r.dex_product,
    price: r.price,
    capacity: r.capacity,
    count: r.count,
    lowAt: r.low_at,
    state: r.count === 0 ? "sold_out" : r.count <= r.low_at ? "low" : "ok",
  };
}

export interface PlanogramOptions {
  db: Database.Database;
  recorder: StockRecorder;
  config: PlanogramConfig;
  log: Logger;
  now: () => number;
  onPriceRange?: PriceRangeListener;
  /** the site's lots by scan (looked up when needed: the trace extension is built after vending) */
  lots?: () => SlotLots | undefined;
}

export class Planogram {
  private readonly db: Database.Database;
  private readonly recorder: StockRecorder;
  private readonly log: Logger;
  private priceListener?: PriceRangeListener;
  private readonly devices: Set<string>;
  private readonly lots: () => SlotLots | undefined;

  /** Creates the tables and applies the config's planogram (new slots get their starting count). */
  constructor(o: PlanogramOptions) {
    this.db = o.db;
    this.recorder = o.recorder;
    this.log = o.log;
    this.priceListener = o.onPriceRange;
    this.lots = o.lots ?? (() => undefined);
    migrateStock(o.db);
    this.devices = new Set(o.config.machines.map((m) => m.device));
    this.applyConfig(o.config, o.now());
  }

  private applyConfig(config: PlanogramConfig, now: number): void {
    const upsert = this.db.prepare(
      `INSERT INTO vending_slots (device, slot, product, name, dex_product, price, capacity, count, low_at, retired, updated_at)
       VALUES (@device, @slot, @product, @name, @dex, @price, @capacity, @count, @lowAt, 0, @now)
       ON CONFLICT (device, slot) DO UPDATE SET product = excluded.product, name = excluded.name,
         dex_product = excluded.dex_product, capacity = excluded.capacity,
         count = min(count, excluded.capacity), low_at = excluded.low_at, retired = 0`,
    );
    const retire = this.db.prepare("UPDATE vending_slots SET retired = 1 WHERE device = ? AND slot = ?");
    this.db.transaction(() => {
      for (const m of config.machines) {
        const keep = new Set<number>();
        for (const s of m.slots) {
          keep.add(s.slot);
          upsert.run({
            device: m.device,
            slot: s.slot,
            product: s.product,
            name: s.name ?? null,
            dex: s.dexProduct ?? String(s.slot),
            price: s.price,
            capacity: s.capacity,
            count: s.count ?? s.capacity,
            lowAt: s.lowAt ?? config.lowStockAt,
            now,
          });
        }
        for (const r of this.db
          .prepare("SELECT slot FROM vending_slots WHERE device = ? AND retired = 0")
          .all(m.device) as { slot: number }[])
          if (!keep.has(r.slot)) retire.run(m.device, r.slot);
      }
    })();
  }

  /** Let the session layer receive each machine's new price range (replaces the previous one). */
  setPriceRangeListener(fn: PriceRangeListener | undefined): void {
    this.priceListener = fn;
  }

  /** The machines with a planogram (config `planogram.machines[].device`). */
  machines(): string[] {
    return [...this.devices];
  }

  /** @throws QH_PLANOGRAM_MACHINE_UNKNOWN */
  requireMachine(device: string): void {
    if (!this.devices.has(device))
      throw new QhError(
        "QH_PLANOGRAM_MACHINE_UNKNOWN",
        `${device} has no planogram (machines: ${this.machines().join(", ") || "none"})`,
      );
  }

  /** Every active slot (of one machine), by machine then slot number. */
  slots(device?: string): SlotView[] {
    const rows = this.db
      .prepare(
        "SELECT * FROM vending_slots WHERE retired = 0 AND (? IS NULL OR device = ?) ORDER BY device, slot",
      )
      .all(device ?? null, device ?? null) as SlotRow[];
    return rows.map(view);
  }

  /** One active slot, or undefined. */
  slot(device: string, slot: number): SlotView | undefined {
    const r = this.db
      .prepare("SELECT * FROM vending_slots WHERE device = ? AND slot = ? AND retired = 0")
      .get(device, slot) as SlotRow | undefined;
    return r ? view(r) : undefined;
  }

  /** The lowest and highest price of a machine's active slots; null without slots. */
  priceRange(device: string): PriceRange | null {
    const r = this.db
      .prepare(
        "SELECT min(price) AS min, max(price) AS max FROM vending_slots WHERE device = ? AND retired = 0",
      )
      .get(device) as { min: number | null; max: number | null };
    return r.min === null || r.max === null ? null : { min: r.min, max: r.max };
  }

  /**
   * The sale hook: one item less in the sale's slot, inside the sale's transaction. Emits
   * `stock.low` when the count falls to the slot's low mark (once per crossing) and
   * `slot.sold_out` when it reaches 0. A sale from a slot outside the planogram, or one counted
   * empty, changes nothing and is logged (the sale itself is kept by the recorder either way).
   */
  readonly onSale = (sale: SaleLike, tx: StockTx): void => {
    const before = this.slot(sale.device, sale.slot);
    if (!before) {
      if (this.devices.has(sale.device))
        this.log.warn({ device: sale.device, slot: sale.slot }, "sale from a slot outside the planogram");
      return;
    }
    if (before.count === 0) {
      this.log.warn(
        { device: sale.device, slot: sale.slot, saleId: sale.id },
        "sale from a slot counted empty: recount it (restock)",
      );
      return;
    }
    const count = before.count - 1;
    this.db
      .prepare("UPDATE vending_slots SET count = ?, updated_at = ? WHERE device = ? AND slot = ?")
      .run(count, tx.now, sale.device, sale.slot);
    const data = {
      slot: sale.slot,
      product: before.product,
      name: before.name,
      count,
      capacity: before.capacity,
    };
    if (count === 0) {
      tx.emit(sale.device, "slot.sold_out", { ...data, saleId: sale.id });
      this.lots()?.endSlot(tx.now, sale.device, sale.slot, sale.id); // every lot in it is sold
    } else if (count <= before.lowAt && before.count > before.lowAt)
      tx.emit(sale.device, "stock.low", { ...data, lowAt: before.lowAt, saleId: sale.id });
  };

  /**
   * Set slot counts (a refill or a recount): `slots` gives counts per slot, `full` fills every
   * slot of the machine to its capacity. Emits `stock.restocked` with each slot's before/after.
   * @throws QH_PLANOGRAM_MACHINE_UNKNOWN, QH_PLANOGRAM_SLOT_UNKNOWN, QH_PLANOGRAM_INPUT_INVALID
   */
  async restock(
    device: string,
    input: { slots?: RestockEntry[]; full?: boolean },
    by: string,
  ): Promise<{
    device: string;
    slots: { slot: number; product: string; before: number; after: number }[];
    /** what the scans' reading found odd (a GS1 separator the scanner dropped), one line each */
    warnings: string[];
  }> {
    this.requireMachine(device);
    const want = new Map<number, number>();
    if (input.full) for (const s of this.slots(device)) want.set(s.slot, s.capacity);
    const bad: string[] = [];
    const unknown: number[] = [];
    for (const e of input.slots ?? []) {
      const s = this.slot(device, e.slot);
      if (!s) unknown.push(e.slot);
      else if (!Number.isInteger(e.count) || e.count < 0 || e.count > s.capacity)
        bad.push(`slot ${e.slot}: count ${e.count} is not 0..${s.capacity} (its capacity)`);
      else if (want.has(e.slot) && !input.full) bad.push(`slot ${e.slot} is given twice`);
      else want.set(e.slot, e.count);
    }
    if (unknown.length > 0)
      throw new QhError("QH_PLANOGRAM_SLOT_UNKNOWN", `${device} has no slot ${unknown.join(", ")}`, {
        unknown,
      });
    if (bad.length > 0) throw new QhError("QH_PLANOGRAM_INPUT_INVALID", bad.join("; "), { problems: bad });
    if (want.size === 0)
      throw new QhError("QH_PLANOGRAM_INPUT_INVALID", "nothing to restock: give slots, or full: true");
    const lots = this.lots();
    const planned = planLots(lots, device, input.slots ?? [], (n) => this.slot(device, n)!.count, want);
    const { result, durable } = this.recorder.commit((tx) => {
      const changed = [...want].map(([slot, after]) => {
        const s = this.slot(device, slot)!;
        this.db
          .prepare("UPDATE vending_slots SET count = ?, updated_at = ? WHERE device = ? AND slot = ?")
          .run(after, tx.now, device, slot);
        return { slot, product: s.product, before: s.count, after } as {
          slot: number;
          product: string;
          before: number;
          after: number;
          lot?: JsonObject;
        };
      });
      // restock by scan: the lots recorded with the counts (src/domain/vending/restock-lots.ts)
      const shown = applyLots(lots, tx, device, want, planned, by);
      for (const c of changed) if (shown.has(c.slot)) c.lot = shown.get(c.slot)!;
      tx.emit(device, "stock.restocked", { slots: changed, by });
      return changed;
    });
    await durable;
    const warnings = planned.flatMap((p) => p.lot.warnings.map((w) => `slot ${p.slot}: ${w}`));
    if (warnings.length > 0) this.log.warn({ device, warnings }, "restock by scan: check the scanner");
    return { device, slots: result, warnings };
  }

  /**
   * New prices for some slots of a machine; emits `vend.prices_updated` and pushes the new price
   * range to the reader through the session layer (`readerUpdated` false, with the reason, when
   * that fails or no session layer listens: the prices are stored either way).
   * @throws QH_PLANOGRAM_MACHINE_UNKNOWN, QH_PLANOGRAM_SLOT_UNKNOWN, QH_PLANOGRAM_INPUT_INVALID
   */
  async setPrices(
    device: string,
    prices: { slot: number; price: number }[],
    commandId?: string,
  ): Promise<JsonObject> {
    this.requireMachine(device);
    const unknown = prices.filter((p) => !this.slot(device, p.slot)).map((p) => p.slot);
    if (unknown.length > 0)
      throw new QhError("QH_PLANOGRAM_SLOT_UNKNOWN", `${device} has no slot ${unknown.join(", ")}`, {
        unknown,
      });
    const seen = new Set<number>();
    const bad: string[] = [];
    for (const p of prices) {
      if (!Number.isInteger(p.price) || p.price < 0 || p.price > 10_000_000)
        bad.push(`slot ${p.slot}: price ${p.price} is not a whole number of minor units 0..10000000`);
      if (seen.has(p.slot)) bad.push(`slot ${p.slot} is given twice`);
      seen.add(p.slot);
    }
    if (prices.length === 0) bad.push("no prices given");
    if (bad.length > 0) throw new QhError("QH_PLANOGRAM_INPUT_INVALID", bad.join("; "), { problems: bad });
    const { result, durable } = this.recorder.commit((tx) => {
      const changed = prices.map((p) => {
        const s = this.slot(device, p.slot)!;
        this.db
          .prepare("UPDATE vending_slots SET price = ?, updated_at = ? WHERE device = ? AND slot = ?")
          .run(p.price, tx.now, device, p.slot);
        return { slot: p.slot, product: s.product, before: s.price, after: p.price };
      });
      const range = this.priceRange(device)!;
      tx.emit(device, "vend.prices_updated", {
        slots: changed,
        priceRange: { ...range },
        ...(commandId ? { commandId } : {}),
      });
      return { changed, range };
    });
    await durable;
    let readerUpdated = false;
    let readerError: string | undefined;
    if (!this.priceListener) readerError = "no session layer for this machine";
    else {
      try {
        await this.priceListener(device, result.range);
        readerUpdated = true;
      } catch (err) {
        readerError = (err as Error).message;
        this.log.warn({ device, err: readerError }, "the reader's price range was not updated");
      }
    }
    return {
      device,
      slots: result.changed,
      priceRange: { ...result.range },
      readerUpdated,
      ...(readerError ? { readerError } : {}),
    };
  }
}
