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
 *
 * Delivery is a watermark, not a per-row mark: every seq up to `deliveredUpTo` is delivered, and
 * advancing it writes one small row of `delivery_marks` (seq, time) instead of rewriting every
 * delivered event's page (an SD card's wear). A range acknowledged out of order, above a gap (the
 * live lane while the backlog lane drains), is marked per row in `delivered_at` as before, and the
 * watermark jumps over such rows once the gap closes. Retention reads the marks' times.
 */
export class Outbox {
  private readonly insertStmt;
  private readonly insertManyStmt;
  private readonly pageStmt;
  private readonly markStmt;
  private readonly nextPendingStmt;
  private readonly rangeStmt;
  private readonly markUpToStmt;
  private upTo: number;

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
    this.nextPendingStmt = db
      .prepare("SELECT seq FROM events WHERE seq > ? AND delivered_at IS NULL ORDER BY seq LIMIT 1")
      .pluck();
    this.rangeStmt = db.prepare(
      "SELECT seq, device, type, body FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?",
    );
    this.markUpToStmt = db.prepare(
      "INSERT INTO delivery_marks (upto, at) VALUES (?, ?) ON CONFLICT(upto) DO UPDATE SET at = excluded.at",
    );
    this.upTo = (db.prepare("SELECT max(upto) FROM delivery_marks").pluck().get() as number | null) ?? 0;
  }

  /** Every seq up to this one is delivered (the watermark; 0 before the first delivery). */
  get deliveredUpTo(): number {
    return this.upTo;
  }

  /**
   * The last seq ever assigned: the highest in the table, or, after retention emptied it, the one
   * prune recorded in meta `events_last_seq` (seq never goes back).
   */
  lastSeq(): number {
    const row = this.db
      .prepare(
        "SELECT max(coalesce((SELECT max(seq) FROM events), 0), coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events_last_seq'), 0))",
      )
      .pluck()
      .get() as number;
    return row;
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
    return this.pageStmt.all(Math.max(from, this.upTo + 1), to, limit) as OutboxRow[];
  }

  /** Every retained row (delivered or not) in [from, to], for replay. */
  range(from: number, to: number, limit: number): OutboxRow[] {
    return this.rangeStmt.all(from, to, limit) as OutboxRow[];
  }

  minPending(): number | null {
    return (this.nextPendingStmt.get(this.upTo) as number | undefined) ?? null;
  }

  /**
   * Mark seq ranges delivered, in one transaction: ranges that continue the watermark advance it
   * (one row written), ranges above a gap are marked per row. Returns how many events became
   * delivered.
   */
  markDelivered(ranges: readonly (readonly [number, number])[], at: number): number {
    if (ranges.length === 0) return 0;
    const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
    // The watermark in memory moves only once the transaction has committed (a commit can fail:
    // a full disk), so a retry writes it again.
    const [n, upTo] = this.db.transaction((): [number, number] => {
      let n = 0;
      let upTo = this.upTo;
      for (const [a, b] of sorted) {
        if (b <= upTo) continue;
        if (a <= upTo + 1) {
          n += b - upTo;
          upTo = b;
        } else n += this.markStmt.run(at, a, b).changes;
      }
      if (upTo !== this.upTo) {
        // rows marked per row earlier (out of order) right above: the watermark passes them too
        const next = this.nextPendingStmt.get(upTo) as number | undefined;
        const top = next === undefined ? this.maxSeq() : next - 1;
        if (top > upTo) upTo = top;
        this.markUpToStmt.run(upTo, at);
      }
      return [n, upTo];
    })();
    this.upTo = upTo;
    return n;
  }

  private maxSeq(): number {
    return (this.db.prepare("SELECT max(seq) FROM events").pluck().get() as number | null) ?? 0;
  }

  /**
   * Remove a secret member (e.g. a pickup code the platform needed once) from delivered events of
   * a type, for seqs above `afterSeq`. Returns the highest delivered seq examined.
   */
  scrubDelivered(type: string, jsonPath: string, afterSeq: number): number {
    const limit = this.upTo;
    if (limit <= afterSeq) return afterSeq;
    this.db
      .prepare(
        "UPDATE events SET body = json_remove(body, ?) WHERE seq > ? AND seq <= ? AND type = ? AND json_extract(body, ?) IS NOT NULL",
      )
      .run(jsonPath, afterSeq, limit, type, jsonPath);
    return limit;
  }

  /**
   * Delete delivered events older than the cutoff, in bounded chunks: up to the watermark as it
   * stood at the cutoff, and rows marked one by one before it. Returns rows removed.
   */
  prune(deliveredBefore: number, chunk = 5000): number {
    const upTo =
      (this.db.prepare("SELECT max(upto) FROM delivery_marks WHERE at < ?").pluck().get(deliveredBefore) as
        | number
        | null) ?? 0;
    const stmt = this.db.prepare(
      "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? OR (delivered_at IS NOT NULL AND delivered_at < ?) ORDER BY seq LIMIT ?)",
    );
    const doomed = this.db
      .prepare(
        "SELECT 1 FROM events WHERE seq <= ? OR (delivered_at IS NOT NULL AND delivered_at < ?) LIMIT 1",
      )
      .get(upTo, deliveredBefore);
    if (doomed !== undefined) {
      // the last seq must outlive the rows that carry it
      this.db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('events_last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .run(String(this.lastSeq()));
    }
    let total = 0;
    for (;;) {
      const n = stmt.run(upTo, deliveredBefore, chunk).changes;
      total += n;
      if (n < chunk) break;
    }
    // marks older than the one used: the newest mark always stays (it is the watermark)
    this.db.prepare("DELETE FROM delivery_marks WHERE upto < ?").run(upTo);
    return total;
  }

  /**
   * Make room under the disk quota: delete up to `limit` delivered events under the delivery
   * watermark, oldest first (they are only kept for `replay`). Never touches an undelivered event.
   * Rows marked delivered one by one above the watermark wait for it (the watermark passes them
   * once the gap closes): finding them would read every row's body (`delivered_at` is stored after
   * it). A primary-key range: cheap even when nothing is left. Returns rows removed (0: none left).
   */
  evictDelivered(limit: number): number {
    const any = this.db.prepare("SELECT 1 FROM events WHERE seq <= ? LIMIT 1").get(this.upTo);
    if (any === undefined) return 0;
    return this.db.transaction(() => {
      // the last seq must outlive the rows that carry it
      this.db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('events_last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .run(String(this.lastSeq()));
      return this.db
        .prepare(
          "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)",
        )
        .run(this.upTo, limit).changes;
    })();
  }

  stats(file?: string): OutboxStats {
    const pending = this.db
      .prepare("SELECT count(*) FROM events WHERE seq > ? AND delivered_at IS NULL")
      .pluck()
      .get(this.upTo) as number;
    const total = this.db.prepare("SELECT count(*) FROM events").pluck().get() as number;
    const first = this.minPending();
    const oldest =
      first === null
        ? undefined
        : (this.db.prepare("SELECT ts FROM events WHERE seq = ?").pluck().get(first) as number | undefined);
    return {
      pending,
      delivered: total - pending,
      oldestPendingTs: oldest ?? null,
      lastSeq: this.lastSeq(),
      bytesOnDisk: file ? fileBytes(file) : 0,
    };
  }
}

/**
 * Bytes the store really uses, for the disk quota: live pages ((page_count − freelist_count) ×
 * page_size: pages freed by a delete are reused by later inserts, the file itself only shrinks
 * with a VACUUM) plus the WAL file on disk.
 */
export function usedBytes(db: Db, file: string): number {
  const pages = db.pragma("page_count", { simple: true }) as number;
  const free = db.pragma("freelist_count", { simple: true }) as number;
  const size = db.pragma("page_size", { simple: true }) as number;
  let wal = 0;
  try {
    wal = statSync(`${file}-wal`).size;
  } catch {
    // absent
  }
  return (pages - free) * size + wal;
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
