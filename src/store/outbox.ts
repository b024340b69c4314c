import { statSync } from "node:fs";
import type { Db } from "./db.js";

/** Rows per multi-row INSERT (6 parameters a row, well under SQLite's 32,766). */
const INSERT_ROWS = 32;

export interface OutboxRow {
  seq: number;
  device: string;
  type: string;
  body: string;
}

export interface OutboxStats {
  pending: number;
  delivered: number;
  oldestPendingTs: number | null;
  lastSeq: number;
  bytesOnDisk: number;
}

/**
 * The event outbox: prepared statements over `events`. Inserts happen in ingest's group commit;
 * delivery marks arrive in seq ranges from the forwarder.
 */
export class Outbox {
  private readonly insertStmt;
  private readonly insertManyStmt;
  private readonly pageStmt;
  private readonly markStmt;
  private readonly minPendingStmt;
  private readonly rangeStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      "INSERT INTO events (seq, id, ts, device, type, body) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.insertManyStmt = db.prepare(
      `INSERT INTO events (seq, id, ts, device, type, body) VALUES ${Array(INSERT_ROWS).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`,
    );
    this.pageStmt = db.prepare(
      "SELECT seq, device, type, body FROM events WHERE seq >= ? AND seq <= ? AND delivered_at IS NULL ORDER BY seq LIMIT ?",
    );
    this.markStmt = db.prepare(
      "UPDATE events SET delivered_at = ? WHERE seq >= ? AND seq <= ? AND delivered_at IS NULL",
    );
    this.minPendingStmt = db.prepare("SELECT min(seq) AS s FROM events WHERE delivered_at IS NULL").pluck();
    this.rangeStmt = db.prepare(
      "SELECT seq, device, type, body FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?",
    );
  }

  /** The last seq ever assigned (survives retention: AUTOINCREMENT's sqlite_sequence). */
  lastSeq(): number {
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as
      | { seq: number }
      | undefined;
    return row?.seq ?? 0;
  }

  insert(seq: number, id: string, ts: number, device: string, type: string, body: string): void {
    this.insertStmt.run(seq, id, ts, device, type, body);
  }

  /**
   * Insert rows [from, from + n) of parallel arrays, INSERT_ROWS rows per statement (one bind and
   * step for many rows: the per-statement cost is most of an INSERT's CPU here).
   */
  insertMany(
    firstSeq: number,
    n: number,
    ids: readonly string[],
    tss: readonly number[],
    devices: readonly string[],
    types: readonly string[],
    bodies: readonly string[],
  ): void {
    let i = 0;
    const args: (string | number)[] = new Array(INSERT_ROWS * 6);
    while (n - i >= INSERT_ROWS) {
      for (let k = 0; k < INSERT_ROWS; k++) {
        const j = i + k;
        const a = k * 6;
        args[a] = firstSeq + j;
        args[a + 1] = ids[j]!;
        args[a + 2] = tss[j]!;
        args[a + 3] = devices[j]!;
        args[a + 4] = types[j]!;
        args[a + 5] = bodies[j]!;
      }
      this.insertManyStmt.run(args);
      i += INSERT_ROWS;
    }
    for (; i < n; i++)
      this.insertStmt.run(firstSeq + i, ids[i]!, tss[i]!, devices[i]!, types[i]!, bodies[i]!);
  }

  /** Pending rows in seq order within [from, to]. */
  pendingPage(from: number, to: number, limit: number): OutboxRow[] {
    return this.pageStmt.all(from, to, limit) as OutboxRow[];
  }

  /** Every retained row (delivered or not) in [from, to], for replay. */
  range(from: number, to: number, limit: number): OutboxRow[] {
    return this.rangeStmt.all(from, to, limit) as OutboxRow[];
  }

  minPending(): number | null {
    return (this.minPendingStmt.get() as number | null) ?? null;
  }

  /** Mark seq ranges delivered, in one transaction. */
  markDelivered(ranges: readonly (readonly [number, number])[], at: number): number {
    if (ranges.length === 0) return 0;
    return this.db.transaction(() => {
      let n = 0;
      for (const [a, b] of ranges) n += this.markStmt.run(at, a, b).changes;
      return n;
    })();
  }

  /**
   * Remove a secret member (e.g. a pickup code the platform needed once) from delivered events of
   * a type, for seqs above `afterSeq`. Returns the highest delivered seq examined.
   */
  scrubDelivered(type: string, jsonPath: string, afterSeq: number): number {
    const upTo =
      (this.db
        .prepare("SELECT max(seq) FROM events WHERE seq > ? AND delivered_at IS NOT NULL")
        .pluck()
        .get(afterSeq) as number | null) ?? afterSeq;
    const firstPending = this.minPending();
    const limit = firstPending === null ? upTo : Math.min(upTo, firstPending - 1);
    if (limit <= afterSeq) return afterSeq;
    this.db
      .prepare(
        "UPDATE events SET body = json_remove(body, ?) WHERE seq > ? AND seq <= ? AND type = ? AND delivered_at IS NOT NULL AND json_extract(body, ?) IS NOT NULL",
      )
      .run(jsonPath, afterSeq, limit, type, jsonPath);
    return limit;
  }

  /** Delete delivered events older than the cutoff, in bounded chunks. Returns rows removed. */
  prune(deliveredBefore: number, chunk = 5000): number {
    const stmt = this.db.prepare(
      "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE delivered_at IS NOT NULL AND delivered_at < ? ORDER BY seq LIMIT ?)",
    );
    let total = 0;
    for (;;) {
      const n = stmt.run(deliveredBefore, chunk).changes;
      total += n;
      if (n < chunk) break;
    }
    return total;
  }

  stats(file?: string): OutboxStats {
    const pending = this.db
      .prepare("SELECT count(*) FROM events WHERE delivered_at IS NULL")
      .pluck()
      .get() as number;
    const delivered = this.db
      .prepare("SELECT count(*) FROM events WHERE delivered_at IS NOT NULL")
      .pluck()
      .get() as number;
    const oldest = this.db
      .prepare("SELECT ts FROM events WHERE delivered_at IS NULL ORDER BY seq LIMIT 1")
      .pluck()
      .get() as number | undefined;
    return {
      pending,
      delivered,
      oldestPendingTs: oldest ?? null,
      lastSeq: this.lastSeq(),
      bytesOnDisk: file ? fileBytes(file) : 0,
    };
  }
}

/** Database plus its WAL and shared-memory files. */
export function fileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      n += statSync(f).size;
    } catch {
      // absent
    }
  }
  return n;
}
