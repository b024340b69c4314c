/**
 * Rationed vending's tables (issue 11; migration component `vending-ration`, src/store/migrate.ts):
 *
 * - `vend_essentials`: the slots the platform marked as essentials (`vend.essentials`) and the
 *   quantity one household may buy per local day;
 * - `vend_normal_prices`: each planogram slot's price and product when the site entered emergency
 *   mode (the cap for prices and vends until it leaves; deleted then);
 * - `vend_new_product_prices`: a product no slot held when the emergency began, its first price
 *   seen in the emergency (its normal price in every slot until the emergency ends; deleted then);
 * - `vend_households`: which household a pay-first session's `paymentRef` belongs to;
 * - `vend_ration_sales`: every cashless sale made in emergency mode to a household, by local day
 *   and item: what the daily limit is counted from (local records only: works offline, survives a
 *   restart).
 */
import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "essentials, normal prices, households and ration sales",
    up: `
      CREATE TABLE vend_essentials (
        device TEXT NOT NULL, slot INTEGER NOT NULL, limit_per_household INTEGER NOT NULL,
        set_at INTEGER NOT NULL, command_id TEXT, PRIMARY KEY (device, slot));
      CREATE TABLE vend_normal_prices (
        device TEXT NOT NULL, slot INTEGER NOT NULL, price INTEGER NOT NULL, PRIMARY KEY (device, slot));
      CREATE TABLE vend_households (
        payment_ref TEXT PRIMARY KEY, household TEXT NOT NULL, device TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE vend_ration_sales (
        sale_id TEXT PRIMARY KEY, day TEXT NOT NULL, household TEXT NOT NULL, item TEXT NOT NULL,
        device TEXT NOT NULL, slot INTEGER NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX vend_ration_sales_by_household ON vend_ration_sales (household, item, day);
    `,
  },
  {
    version: 2,
    name: "normal prices by product",
    up: `
      ALTER TABLE vend_normal_prices ADD COLUMN product TEXT;
      CREATE INDEX vend_normal_prices_by_product ON vend_normal_prices (product);
      CREATE TABLE vend_new_product_prices (
        product TEXT PRIMARY KEY, price INTEGER NOT NULL, device TEXT NOT NULL, slot INTEGER NOT NULL,
        at INTEGER NOT NULL);
    `,
  },
];

export interface Essential {
  device: string;
  slot: number;
  limitPerHousehold: number;
}

export class RationStore {
  constructor(private readonly db: Database.Database) {
    migrate(db, "vending-ration", MIGRATIONS);
  }

  essential(device: string, slot: number): Essential | undefined {
    const r = this.db
      .prepare(
        "SELECT device, slot, limit_per_household AS l FROM vend_essentials WHERE device = ? AND slot = ?",
      )
      .get(device, slot) as { device: string; slot: number; l: number } | undefined;
    return r ? { device: r.device, slot: r.slot, limitPerHousehold: r.l } : undefined;
  }

  essentials(device?: string): Essential[] {
    const rows = (
      device === undefined
        ? this.db
            .prepare(
              "SELECT device, slot, limit_per_household AS l FROM vend_essentials ORDER BY device, slot",
            )
            .all()
        : this.db
            .prepare(
              "SELECT device, slot, limit_per_household AS l FROM vend_essentials WHERE device = ? ORDER BY slot",
            )
            .all(device)
    ) as { device: string; slot: number; l: number }[];
    return rows.map((r) => ({ device: r.device, slot: r.slot, limitPerHousehold: r.l }));
  }

  /** Replace a machine's essentials (one transaction). */
  setEssentials(
    device: string,
    list: { slot: number; limitPerHousehold: number }[],
    at: number,
    commandId: string | null,
  ): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM vend_essentials WHERE device = ?").run(device);
      const ins = this.db.prepare(
        "INSERT INTO vend_essentials (device, slot, limit_per_household, set_at, command_id) VALUES (?, ?, ?, ?, ?)",
      );
      for (const e of list) ins.run(device, e.slot, e.limitPerHousehold, at, commandId);
    })();
  }

  /** The slot's kept normal price and the product it held then (null: kept before products were). */
  normalPrice(device: string, slot: number): { price: number; product: string | null } | undefined {
    return this.db
      .prepare("SELECT price, product FROM vend_normal_prices WHERE device = ? AND slot = ?")
      .get(device, slot) as { price: number; product: string | null } | undefined;
  }

  /**
   * A product's normal price on the site: the lowest kept for it at the emergency's start (any
   * slot, any machine), else its first price seen in the emergency (a product new to the site).
   */
  productNormalPrice(product: string): number | undefined {
    const r = this.db
      .prepare("SELECT MIN(price) AS p FROM vend_normal_prices WHERE product = ?")
      .get(product) as { p: number | null };
    if (r.p !== null) return r.p;
    const n = this.db.prepare("SELECT price FROM vend_new_product_prices WHERE product = ?").get(product) as
      | { price: number }
      | undefined;
    return n?.price;
  }

  /** Keep `price` as a new product's normal price unless one is kept already (first seen wins). */
  keepNewProductPrice(product: string, price: number, device: string, slot: number, at: number): void {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO vend_new_product_prices (product, price, device, slot, at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(product, price, device, slot, at);
  }

  hasNormalPrices(): boolean {
    return this.db.prepare("SELECT 1 FROM vend_normal_prices LIMIT 1").get() !== undefined;
  }

  /** Kept rows with no product (kept before version 2): fill them from the planogram of now. */
  fillProducts(productOf: (device: string, slot: number) => string | undefined): void {
    const rows = this.db
      .prepare("SELECT device, slot FROM vend_normal_prices WHERE product IS NULL")
      .all() as { device: string; slot: number }[];
    const upd = this.db.prepare("UPDATE vend_normal_prices SET product = ? WHERE device = ? AND slot = ?");
    this.db.transaction(() => {
      for (const r of rows) upd.run(productOf(r.device, r.slot) ?? null, r.device, r.slot);
    })();
  }

  /** Keep the prices of now as the normal ones (entering emergency); replaces any earlier snapshot. */
  snapshotPrices(prices: { device: string; slot: number; price: number; product: string | null }[]): void {
    this.db.transaction(() => {
      this.clearNormalPrices();
      const ins = this.db.prepare(
        "INSERT INTO vend_normal_prices (device, slot, price, product) VALUES (?, ?, ?, ?)",
      );
      for (const p of prices) ins.run(p.device, p.slot, p.price, p.product);
    })();
  }

  clearNormalPrices(): void {
    this.db.prepare("DELETE FROM vend_normal_prices").run();
    this.db.prepare("DELETE FROM vend_new_product_prices").run();
  }

  /**
   * Bind a pay-first session's paymentRef to its household (the first binding stays: a reused
   * reference is refused by the session anyway). Returns whether this call made the binding.
   */
  bindHousehold(paymentRef: string, household: string, device: string, at: number): boolean {
    return (
      this.db
        .prepare(
          "INSERT INTO vend_households (payment_ref, household, device, at) VALUES (?, ?, ?, ?) ON CONFLICT(payment_ref) DO NOTHING",
        )
        .run(paymentRef, household, device, at).changes > 0
    );
  }

  /**
   * Undo a binding whose session never began: only while no session holds the reference
   * (`vending_payment_refs`: a C,START left unanswered keeps it spent, and its household with it).
   */
  unbindHousehold(paymentRef: string): void {
    this.db
      .prepare(
        "DELETE FROM vend_households WHERE payment_ref = ? AND NOT EXISTS (SELECT 1 FROM vending_payment_refs WHERE payment_ref = ?)",
      )
      .run(paymentRef, paymentRef);
  }

  householdOf(paymentRef: string | null): string | undefined {
    if (paymentRef === null) return undefined;
    const r = this.db
      .prepare("SELECT household FROM vend_households WHERE payment_ref = ?")
      .get(paymentRef) as { household: string } | undefined;
    return r?.household;
  }

  /** How many of `item` the household bought on `day` (local date). */
  used(household: string, item: string, day: string): number {
    const r = this.db
      .prepare("SELECT COUNT(*) AS n FROM vend_ration_sales WHERE household = ? AND item = ? AND day = ?")
      .get(household, item, day) as { n: number };
    return r.n;
  }

  /** Record a rationed sale (inside the sale's own transaction: `db` is the transaction's). */
  static recordSale(
    db: Database.Database,
    s: {
      saleId: string;
      day: string;
      household: string;
      item: string;
      device: string;
      slot: number;
      at: number;
    },
  ): void {
    db.prepare(
      "INSERT INTO vend_ration_sales (sale_id, day, household, item, device, slot, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sale_id) DO NOTHING",
    ).run(s.saleId, s.day, s.household, s.item, s.device, s.slot, s.at);
  }
}
