/**
 * The vending vertical's transactional outbox. A state change (a session row, a sale in
 * `vending_sales`, the offline usage) and the events describing it commit in ONE SQLite
 * transaction; then each event goes to the EventSink (ingest) in commit order, and its outbox row
 * is deleted once durable (a sale row gets its event's seq then). Rows a crash or a refused emit
 * left behind are sent again by `flush()` (on start, and every second while the vertical
 * runs: `startFlushing`): at-least-once, with business ids (saleId,
 * sessionId, paymentRef) in every payload for the platform to recognise a repeat.
 *
 * The commit is synchronous and returns at once with a promise for durability, so the hot path
 * (approve a vend) never waits for the event store's group commit.
 */
import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { EventSink, JsonObject } from "../../core/envelope.js";
import { newId } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import { guardWrite, storeFaultOf } from "../../store/disk.js";
import { insertSale, type SaleRecord } from "./sales.js";

/** A sale to record: the recorder adds id, ts and the clock flag. */
export type NewSale = Omit<SaleRecord, "id" | "seq" | "ts" | "clockUnsynced">;

/** What a transaction can do. */
export interface RecordTx {
  readonly now: number;
  readonly db: Database.Database;
  /** An event committed with this transaction. */
  emit(device: string, type: string, data: JsonObject): void;
  /**
   * Record a completed vend in `vending_sales` and its event (`vend.completed` or `vend.cash_sale`,
   * whose data gets `saleId`) in this transaction; runs the sale hooks (stock) inside it too.
   */
  sale(s: NewSale, type: "vend.completed" | "vend.cash_sale", data: JsonObject): SaleRecord;
}

/**
 * Runs inside the transaction that records a sale (the `dex` helper's stock decrement: update the
 * planogram, emit `stock.low` / `slot.sold_out` through `tx.emit`). A hook that throws is rolled
 * back alone (a savepoint) and logged: the sale is never lost to a stock problem.
 */
export type SaleHook = (sale: SaleRecord, tx: RecordTx) => void;

interface Pending {
  id: number;
  device: string;
  type: string;
  data: JsonObject;
  ts: number;
  saleId: string | null;
}

export class VendingRecorder {
  private readonly hooks: SaleHook[] = [];
  private readonly inFlight = new Set<number>();
  private readonly insertEvent: Database.Statement;
  private readonly removeEvent: Database.Statement;
  private readonly setSeq: Database.Statement;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** the first outbox row the sink refused (set until the outbox is empty again) */
  private refusedAt: number | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly sink: EventSink,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.insertEvent = db.prepare(
      "INSERT INTO vending_outbox (device, type, data, ts, sale_id) VALUES (?, ?, ?, ?, ?)",
    );
    this.removeEvent = db.prepare("DELETE FROM vending_outbox WHERE id = ?");
    this.setSeq = db.prepare("UPDATE vending_sales SET seq = ? WHERE id = ?");
  }

  /** The store the recorder writes (for reads in the same place). */
  get database(): Database.Database {
    return this.db;
  }

  /** Add a hook run inside every sale's transaction; returns its remover. */
  onSale(hook: SaleHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /**
   * Run `fn` in one transaction with the events and sales it records. Throws (nothing committed)
   * when the disk refuses (QH_STORE_FULL / QH_STORE_IO). `durable` resolves once every event is in
   * the event store; it rejects with the sink's error (the rows stay, `flush()` sends them again).
   */
  commit<T>(fn: (tx: RecordTx) => T): { result: T; durable: Promise<void> } {
    const now = this.clock.now();
    const rows: Pending[] = [];
    const add = (device: string, type: string, data: JsonObject, saleId: string | null): void => {
      const info = this.insertEvent.run(device, type, JSON.stringify(data), now, saleId);
      rows.push({ id: Number(info.lastInsertRowid), device, type, data, ts: now, saleId });
    };
    const tx: RecordTx = {
      now,
      db: this.db,
      emit: (device, type, data) => add(device, type, data, null),
      sale: (s, type, data) => {
        const sale: SaleRecord = {
          ...s,
          id: newId(now),
          seq: null,
          ts: now,
          clockUnsynced: !this.clock.synced(),
        };
        insertSale(this.db, sale);
        add(s.device, type, { ...data, saleId: sale.id }, sale.id);
        for (const hook of this.hooks) {
          try {
            this.db.transaction(() => hook(sale, tx))();
          } catch (err) {
            this.log.error({ err, saleId: sale.id }, "vending sale hook failed; the sale is kept");
          }
        }
        return sale;
      },
    };
    const result = guardWrite(this.db, "vending state", () => this.db.transaction(() => fn(tx))());
    const durable = Promise.allSettled(rows.map((r) => this.send(r))).then((s) => {
      const failed = s.find((x): x is PromiseRejectedResult => x.status === "rejected");
      if (failed) throw failed.reason;
    });
    return { result, durable };
  }

  /** Send again what a crash or a refused emit left in the outbox. Never throws. */
  async flush(): Promise<void> {
    const rows = (
      this.db.prepare("SELECT id, device, type, data, ts, sale_id FROM vending_outbox ORDER BY id").all() as {
        id: number;
        device: string;
        type: string;
        data: string;
        ts: number;
        sale_id: string | null;
      }[]
    ).filter((r) => !this.inFlight.has(r.id));
    const s = await Promise.allSettled(
      rows.map((r) =>
        this.send({
          id: r.id,
          device: r.device,
          type: r.type,
          data: JSON.parse(r.data),
          ts: r.ts,
          saleId: r.sale_id,
        }),
      ),
    );
    const failures = s.filter((x) => x.status === "rejected").length;
    if (failures > 0) this.log.warn({ failures }, "vending events still waiting for the event store");
  }

  /**
   * Send the outbox again every `intervalMs` (as the locker's outbox is on its sweep), so an event
   * the event store refused goes out once it recovers, not at the next restart. One flush at a time.
   */
  startFlushing(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.flushing || this.pendingCount() === 0) return;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
      });
    }, intervalMs);
    this.timer.unref?.();
  }

  /** Stop the periodic flush and wait for one in progress. */
  async stopFlushing(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  /**
   * What /health should say about the outbox: one line while events the event store refused are
   * still waiting (cleared once the outbox is empty again), else nothing.
   */
  problems(): string[] {
    if (this.refusedAt === undefined) return [];
    let n: number;
    try {
      n = this.pendingCount();
    } catch {
      return ["vending events: the outbox cannot be read"];
    }
    if (n === 0) {
      this.refusedAt = undefined;
      return [];
    }
    return [`vending events: ${n} waiting in the outbox (the event store refused them)`];
  }

  pendingCount(): number {
    return this.db.prepare("SELECT count(*) FROM vending_outbox").pluck().get() as number;
  }

  private send(r: Pending): Promise<void> {
    this.inFlight.add(r.id);
    let p: Promise<{ seq: number }>;
    try {
      p = this.sink.emit({ device: r.device, type: r.type, data: r.data, ts: r.ts });
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(
      (accepted) => {
        this.inFlight.delete(r.id);
        try {
          this.db.transaction(() => {
            this.removeEvent.run(r.id);
            if (r.saleId) this.setSeq.run(accepted.seq, r.saleId);
          })();
        } catch (err) {
          // durable in the event store; the row stays and is sent again later (at-least-once)
          if (storeFaultOf(this.db).record(err, "vending outbox") === err) throw err;
        }
      },
      (err: unknown) => {
        this.inFlight.delete(r.id);
        this.refusedAt ??= r.id;
        this.log.warn({ err, type: r.type }, "event sink refused a vending event; kept in the outbox");
        throw err;
      },
    );
  }
}
