/**
 * The trace part's transactional outbox (as the vending recorder's and the locker's): a state
 * change (a load, a recall, an expiry found) and the events describing it commit in ONE SQLite
 * transaction (`trace_outbox`); then each event goes to the EventSink and its row is deleted once
 * durable. Rows a crash or a refused emit left behind are sent again by `flush()` (at start and
 * every second): at-least-once, with business ids (gtin, lot, recallId, parcelId) in every payload.
 */
import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { EventSink, JsonObject } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import { guardWrite, storeFaultOf } from "../../store/disk.js";

/** What a trace transaction can do. */
export interface TraceTx {
  readonly now: number;
  readonly db: Database.Database;
  emit(device: string, type: string, data: JsonObject): void;
}

interface Row {
  id: number;
  device: string;
  type: string;
  data: JsonObject;
  ts: number;
}

export class TraceOutbox {
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private refused = false;

  constructor(
    private readonly db: Database.Database,
    private readonly sink: EventSink,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The store written (reads happen in the same place). */
  get database(): Database.Database {
    return this.db;
  }

  /** The gateway clock's wall time (epoch ms) and whether it is synchronised. */
  now(): number {
    return this.clock.now();
  }

  synced(): boolean {
    return this.clock.synced();
  }

  /**
   * Run `fn` in one transaction with the events it emits. Throws the store's code (nothing
   * committed) when the disk refuses. `durable` resolves once every event is in the event store.
   */
  commit<T>(fn: (tx: TraceTx) => T): { result: T; durable: Promise<void> } {
    const now = this.clock.now();
    const rows: Row[] = [];
    const insert = this.db.prepare("INSERT INTO trace_outbox (device, type, data, ts) VALUES (?, ?, ?, ?)");
    const tx: TraceTx = {
      now,
      db: this.db,
      emit: (device, type, data) => {
        const info = insert.run(device, type, JSON.stringify(data), now);
        rows.push({ id: Number(info.lastInsertRowid), device, type, data, ts: now });
      },
    };
    const result = guardWrite(this.db, "trace", () => this.db.transaction(() => fn(tx))());
    const durable = Promise.all(rows.map((r) => this.send(r))).then(() => undefined);
    return { result, durable };
  }

  /** Send again what a crash or a refused emit left. Never throws. */
  async flush(): Promise<void> {
    const rows = (
      this.db.prepare("SELECT id, device, type, data, ts FROM trace_outbox ORDER BY id").all() as (Omit<
        Row,
        "data"
      > & { data: string })[]
    ).filter((r) => !this.inFlight.has(r.id));
    await Promise.allSettled(rows.map((r) => this.send({ ...r, data: JSON.parse(r.data) as JsonObject })));
  }

  /** Flush every `intervalMs` while rows wait (one flush at a time). */
  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => {
      if (this.flushing || this.pending() === 0) return;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
      });
    }, intervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  pending(): number {
    return this.db.prepare("SELECT count(*) FROM trace_outbox").pluck().get() as number;
  }

  /** /health: a line while events the event store refused wait. */
  problems(): string[] {
    if (!this.refused) return [];
    const n = this.pending();
    if (n === 0) this.refused = false;
    return n === 0 ? [] : [`trace: ${n} event(s) waiting in trace_outbox (the event store refused them)`];
  }

  private send(r: Row): Promise<void> {
    this.inFlight.add(r.id);
    let p: Promise<unknown>;
    try {
      p = this.sink.emit({ device: r.device, type: r.type, data: r.data, ts: r.ts });
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(
      () => {
        this.inFlight.delete(r.id);
        try {
          this.db.prepare("DELETE FROM trace_outbox WHERE id = ?").run(r.id);
        } catch (err) {
          // durable in the event store; the row is sent again later (at-least-once)
          if (storeFaultOf(this.db).record(err, "trace outbox") === err) throw err;
        }
      },
      (err: unknown) => {
        this.inFlight.delete(r.id);
        this.refused = true;
        this.log.warn({ err, type: r.type }, "event sink refused a trace event; kept in the outbox");
        throw err;
      },
    );
  }
}
