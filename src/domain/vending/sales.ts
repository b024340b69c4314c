/**
 * The sales record (table `vending_sales`, schema.ts): the shape of a row and the read API the DEX
 * audit reconciliation uses. Writing happens only through the recorder (recorder.ts), in the
 * transaction of the sale's event.
 */
import type Database from "better-sqlite3";

export type Payment = "cash" | "cashless";

/** One completed vend as recorded. Money in minor units; times epoch ms. */
export interface SaleRecord {
  id: string;
  device: string;
  slot: number;
  product: string | null;
  price: number;
  payment: Payment;
  paymentRef: string | null;
  offline: boolean;
  /** the event's seq once durable in the event store; null until then */
  seq: number | null;
  ts: number;
  clockUnsynced: boolean;
}

interface SaleRow {
  id: string;
  device: string;
  slot: number;
  product: string | null;
  price: number;
  payment: Payment;
  payment_ref: string | null;
  offline: number;
  seq: number | null;
  ts: number;
  clock_unsynced: number;
}

function fromRow(r: SaleRow): SaleRecord {
  return {
    id: r.id,
    device: r.device,
    slot: r.slot,
    product: r.product,
    price: r.price,
    payment: r.payment,
    paymentRef: r.payment_ref,
    offline: r.offline === 1,
    seq: r.seq,
    ts: r.ts,
    clockUnsynced: r.clock_unsynced === 1,
  };
}

/** Insert one sale (inside the caller's transaction). */
export function insertSale(db: Database.Database, s: Omit<SaleRecord, "seq">): void {
  db.prepare(
    `INSERT INTO vending_sales (id, device, slot, product, price, payment, payment_ref, offline, ts, clock_unsynced)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    s.id,
    s.device,
    s.slot,
    s.product,
    s.price,
    s.payment,
    s.paymentRef,
    s.offline ? 1 : 0,
    s.ts,
    s.clockUnsynced ? 1 : 0,
  );
}

/**
 * A machine's sales in recording order (ts, then id), optionally only those after `sinceTs`
 * (epoch ms, exclusive) and up to `untilTs` (inclusive). For the DEX reconciliation: vends and
 * values per slot since the last audit, cash and cashless.
 */
export function listSales(
  db: Database.Database,
  device: string,
  range: { sinceTs?: number; untilTs?: number } = {},
): SaleRecord[] {
  const rows = db
    .prepare(`SELECT * FROM vending_sales WHERE device = ? AND ts > ? AND ts <= ? ORDER BY ts, id`)
    .all(device, range.sinceTs ?? -1, range.untilTs ?? Number.MAX_SAFE_INTEGER) as SaleRow[];
  return rows.map(fromRow);
}

/** Totals per slot and payment over `listSales(...)`'s range: { slot, payment, vends, value }. */
export function salesTotals(
  db: Database.Database,
  device: string,
  range: { sinceTs?: number; untilTs?: number } = {},
): { slot: number; payment: Payment; vends: number; value: number }[] {
  return db
    .prepare(
      `SELECT slot, payment, count(*) AS vends, sum(price) AS value FROM vending_sales
       WHERE device = ? AND ts > ? AND ts <= ? GROUP BY slot, payment ORDER BY slot, payment`,
    )
    .all(device, range.sinceTs ?? -1, range.untilTs ?? Number.MAX_SAFE_INTEGER) as {
    slot: number;
    payment: Payment;
    vends: number;
    value: number;
  }[];
}
