import type { Metrics } from "../core/envelope.js";
import type { Db } from "./db.js";
import { storeFaultOf } from "./disk.js";

export interface TelemetryRow {
  rowid: number;
  device: string;
  ts: number;
  metrics: Metrics;
}

/**
 * The lossy tier: telemetry kept while the uplink cannot take it. Bounded by `maxRows`; when full,
 * each device's rows are coalesced into one (latest value per metric), and if that is not enough
 * the oldest rows are evicted. The first thing dropped when the disk runs low.
 */
export class TelemetryBuffer {
  private readonly insertStmt;
  private readonly countStmt;
  private rows: number;
  private pending: [string, number, string][] = [];

  constructor(
    private readonly db: Db,
    private readonly maxRows: number,
  ) {
    this.insertStmt = db.prepare("INSERT INTO telemetry (device, ts, metrics) VALUES (?, ?, ?)");
    this.countStmt = db.prepare("SELECT count(*) FROM telemetry").pluck();
    this.rows = this.countStmt.get() as number;
  }

  get size(): number {
    return this.rows;
  }

  /**
   * Buffer one sample; samples of one loop turn are written in one transaction (one fsync).
   * Returns how many rows were dropped or merged to make room.
   */
  add(device: string, ts: number, metrics: Metrics): number {
    let dropped = 0;
    if (this.rows >= this.maxRows) {
      this.flush();
      dropped = this.makeRoom();
    }
    this.pending.push([device, ts, JSON.stringify(metrics)]);
    this.rows++;
    if (this.pending.length === 1) setImmediate(() => this.flush());
    return dropped;
  }

  /** Write buffered samples now. */
  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const r of rows) this.insertStmt.run(r[0], r[1], r[2]);
      })();
    } catch (err) {
      // The lossy tier: samples the disk cannot take are dropped (and the store's fault recorded).
      this.rows -= rows.length;
      if (storeFaultOf(this.db).record(err, "telemetry buffer") === err) throw err;
    }
  }

  private makeRoom(): number {
    const before = this.rows;
    this.coalesce();
    if (this.rows >= this.maxRows) {
      const evict = Math.max(1, Math.ceil(this.maxRows / 10));
      this.db
        .prepare("DELETE FROM telemetry WHERE rowid IN (SELECT rowid FROM telemetry ORDER BY rowid LIMIT ?)")
        .run(evict);
      this.rows = this.countStmt.get() as number;
    }
    return before - this.rows;
  }

  /** Merge each device's rows into one: the latest value of every metric, at the latest ts. */
  coalesce(): void {
    this.flush();
    this.db.transaction(() => {
      const all = this.db
        .prepare("SELECT rowid, device, ts, metrics FROM telemetry ORDER BY rowid")
        .all() as {
        rowid: number;
        device: string;
        ts: number;
        metrics: string;
      }[];
      const merged = new Map<string, { ts: number; metrics: Metrics }>();
      for (const r of all) {
        const m = merged.get(r.device) ?? { ts: r.ts, metrics: {} };
        Object.assign(m.metrics, JSON.parse(r.metrics) as Metrics);
        m.ts = Math.max(m.ts, r.ts);
        merged.set(r.device, m);
      }
      this.db.exec("DELETE FROM telemetry");
      for (const [device, m] of merged) this.insertStmt.run(device, m.ts, JSON.stringify(m.metrics));
    })();
    this.rows = this.countStmt.get() as number;
  }

  take(limit: number): TelemetryRow[] {
    this.flush();
    const rows = this.db
      .prepare("SELECT rowid, device, ts, metrics FROM telemetry ORDER BY rowid LIMIT ?")
      .all(limit) as { rowid: number; device: string; ts: number; metrics: string }[];
    return rows.map((r) => ({ ...r, metrics: JSON.parse(r.metrics) as Metrics }));
  }

  remove(upToRowid: number): void {
    this.rows -= this.db.prepare("DELETE FROM telemetry WHERE rowid <= ?").run(upToRowid).changes;
  }

  clear(): void {
    this.pending = [];
    this.db.exec("DELETE FROM telemetry");
    this.rows = 0;
  }
}
