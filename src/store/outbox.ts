import { statSync } from "node:fs";
import type Database from "better-sqlite3";
import { QhError } from "../core/errors.js";
import type { Db } from "./db.js";
import { EventKinds } from "./event-kinds.js";
import { envelopeText, FLAG_UNSYNCED, FLAG_VERBATIM, idFromBytes, idToBytes } from "./event-row.js";

/** Rows per multi-row INSERT (6 parameters a row, well under SQLite's 32,766). */
const INSERT_ROWS = 32;

/** An event as the forwarder sends it: `body` is the envelope, built from the row when read. */
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

/** A row of `events` as stored (core schema 3; see event-row.ts). */
interface StoredRow {
  seq: number;
  id: Buffer | string;
  ts: number;
  kind: number;
  flags: number;
  data: string;
}

const COLUMNS = "seq, id, ts, kind, flags, data";

/**
 * The event outbox: statements over `events`. Inserts happen in ingest's group commit; delivery
 * marks arrive in seq ranges from the forwarder.
 *
 * A row is compact (core schema 3, event-row.ts): the binary id, integer ts, a kind number for
 * (gateway, device, type) and the device's payload; the envelope is built when a row is read to be
 * sent (backlog, replay), byte-identical to the one ingest hands the live lane.
 *
 * Delivery is a watermark, not a per-row mark: every seq up to `deliveredUpTo` is delivered, and
 * advancing it writes one small row of `delivery_marks` (seq, time) instead of rewriting every
 * delivered event's page (an SD card's wear). A range acknowledged out of order, above a gap (the
 * live lane while the backlog lane drains), is marked per row in `delivered_at` as before, and the
 * watermark jumps over such rows once the gap closes. Retention reads the marks' times.
 *
 * Statements over the row's columns are prepared when first used, so that a read-only reader of a
 * store not migrated yet (`quarterhour outbox stats` before the gateway's first start on a new
 * version) still gets its counts.
 */
export class Outbox {
  private readonly stmts = new Map<string, Database.Statement<unknown[], unknown>>();
  private readonly kinds: EventKinds;
  private upTo: number;

  constructor(private readonly db: Db) {
    this.kinds = new EventKinds(db);
    this.upTo = (db.prepare("SELECT max(upto) FROM delivery_marks").pluck().get() as number | null) ?? 0;
  }

  private stmt(sql: string): Database.Statement<unknown[], unknown> {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
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

  /**
   * Insert one event (inside the caller's transaction, or its own). `id`: a canonical UUID
   * (src/core/ids.ts); `data`: the payload's JSON object text, stored and later sent as it is.
   */
  insert(
    gw: string,
    seq: number,
    id: string,
    ts: number,
    device: string,
    type: string,
    data: string,
    unsynced = false,
  ): void {
    this.kinds.begin();
    this.stmt(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`).run(
      seq,
      idToBytes(id),
      ts,
      this.kinds.kindOf(gw, device, type),
      unsynced ? FLAG_UNSYNCED : 0,
      data,
    );
  }

  /**
   * Insert rows [0, n) of parallel arrays as seqs firstSeq…, INSERT_ROWS rows per statement (one
   * bind and step for many rows: the per-statement cost is most of an INSERT's CPU here). Called
   * inside ingest's group commit. `idBytes`: row i's id is bytes [16i, 16i + 16) (the binary form
   * `idToBytes` gives; src/core/ids.ts `newIdBytes` writes it so).
   */
  insertMany(
    gw: string,
    firstSeq: number,
    n: number,
    idBytes: Buffer,
    tss: readonly number[],
    devices: readonly string[],
    types: readonly string[],
    datas: readonly string[],
    unsynced: readonly boolean[],
  ): void {
    if (idBytes.length < 16 * n) throw new RangeError(`${n} ids need ${16 * n} bytes, got ${idBytes.length}`);
    this.kinds.begin();
    let i = 0;
    const args: (string | number | Buffer)[] = new Array(INSERT_ROWS * 6);
    const many = this.stmt(
      `INSERT INTO events (${COLUMNS}) VALUES ${Array(INSERT_ROWS).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`,
    );
    while (n - i >= INSERT_ROWS) {
      for (let k = 0; k < INSERT_ROWS; k++) {
        const j = i + k;
        const a = k * 6;
        args[a] = firstSeq + j;
        args[a + 1] = idBytes.subarray(16 * j, 16 * j + 16);
        args[a + 2] = tss[j]!;
        args[a + 3] = this.kinds.kindOf(gw, devices[j]!, types[j]!);
        args[a + 4] = unsynced[j] ? FLAG_UNSYNCED : 0;
        args[a + 5] = datas[j]!;
      }
      many.run(args);
      i += INSERT_ROWS;
    }
    const one = this.stmt(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
    for (; i < n; i++)
      one.run(
        firstSeq + i,
        idBytes.subarray(16 * i, 16 * i + 16),
        tss[i]!,
        this.kinds.kindOf(gw, devices[i]!, types[i]!),
        unsynced[i] ? FLAG_UNSYNCED : 0,
        datas[i]!,
      );
  }

  /** Whether `device` may store events of `type` (EventKinds.allows: at most `max` types). */
  allowsType(gw: string, device: string, type: string, max: number): boolean {
    return this.kinds.allows(gw, device, type, max);
  }

  /** Whether `device` has stored events of `type` before (EventKinds.knows). */
  knowsType(gw: string, device: string, type: string): boolean {
    return this.kinds.knows(gw, device, type);
  }

  /** The envelope of a stored row, as sent (event-row.ts). */
  private toOutboxRow(r: StoredRow): OutboxRow {
    let k: ReturnType<EventKinds["describe"]>;
    try {
      k = this.kinds.describe(r.kind);
    } catch (err) {
      throw new QhError("QH_STORE_CORRUPT", `event seq ${r.seq}: ${(err as Error).message}`);
    }
    if (r.flags & FLAG_VERBATIM) return { seq: r.seq, device: k.device, type: k.type, body: r.data };
    const id = typeof r.id === "string" ? r.id : idFromBytes(r.id);
    return {
      seq: r.seq,
      device: k.device,
      type: k.type,
      body: envelopeText(id, r.seq, r.ts, k.gw, k.device, k.type, r.data, (r.flags & FLAG_UNSYNCED) !== 0),
    };
  }

  /** Pending rows in seq order within [from, to]. */
  pendingPage(from: number, to: number, limit: number): OutboxRow[] {
    const rows = this.stmt(
      `SELECT ${COLUMNS} FROM events WHERE seq >= ? AND seq <= ? AND delivered_at IS NULL ORDER BY seq LIMIT ?`,
    ).all(Math.max(from, this.upTo + 1), to, limit) as StoredRow[];
    return rows.map((r) => this.toOutboxRow(r));
  }

  /** Every retained row (delivered or not) in [from, to], for replay. */
  range(from: number, to: number, limit: number): OutboxRow[] {
    const rows = this.stmt(
      `SELECT ${COLUMNS} FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`,
    ).all(from, to, limit) as StoredRow[];
    return rows.map((r) => this.toOutboxRow(r));
  }

  minPending(): number | null {
    return (this.nextPending(this.upTo) as number | undefined) ?? null;
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
        } else
          n += this.stmt(
            "UPDATE events SET delivered_at = ? WHERE seq >= ? AND seq <= ? AND delivered_at IS NULL",
          ).run(at, a, b).changes;
      }
      if (upTo !== this.upTo) {
        // rows marked per row earlier (out of order) right above: the watermark passes them too
        const next = this.nextPending(upTo);
        const top = next === undefined ? this.maxSeq() : next - 1;
        if (top > upTo) upTo = top;
        this.stmt(
          "INSERT INTO delivery_marks (upto, at) VALUES (?, ?) ON CONFLICT(upto) DO UPDATE SET at = excluded.at",
        ).run(upTo, at);
      }
      return [n, upTo];
    })();
    this.upTo = upTo;
    return n;
  }

  /** The first seq above `after` not marked delivered per row, if any. */
  private nextPending(after: number): number | undefined {
    return this.stmt("SELECT seq FROM events WHERE seq > ? AND delivered_at IS NULL ORDER BY seq LIMIT 1")
      .pluck()
      .get(after) as number | undefined;
  }

  private maxSeq(): number {
    return (this.db.prepare("SELECT max(seq) FROM events").pluck().get() as number | null) ?? 0;
  }

  /**
   * Remove a secret member (e.g. a pickup code the platform needed once) from delivered events of
   * a type, for seqs above `afterSeq`. `jsonPath` is a SQLite JSON path into the envelope
   * (`$.data.pickupCode`): a compact row holds only `data`, so the path is applied to it from
   * `$.data` down; a verbatim row (FLAG_VERBATIM) holds the whole envelope and gets the path as
   * given. Either way the envelope sent by a later replay is what removing the member from the
   * whole envelope gives (SQLite's json_remove re-serialises what it edits, minified).
   * Returns the highest delivered seq examined.
   */
  scrubDelivered(type: string, jsonPath: string, afterSeq: number): number {
    const limit = this.upTo;
    if (limit <= afterSeq) return afterSeq;
    const inData = /^\$\.data(?=[.[]|$)/.test(jsonPath) ? `$${jsonPath.slice(6)}` : undefined;
    const kinds = "kind IN (SELECT kind FROM event_kinds WHERE type = ?)";
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE events SET data = json_remove(data, ?) WHERE seq > ? AND seq <= ? AND ${kinds} AND flags & ${FLAG_VERBATIM} != 0 AND json_extract(data, ?) IS NOT NULL`,
        )
        .run(jsonPath, afterSeq, limit, type, jsonPath);
      // the whole of `data` is never removed: that is not a secret member
      if (inData !== undefined && inData !== "$")
        this.db
          .prepare(
            `UPDATE events SET data = json_remove(data, ?) WHERE seq > ? AND seq <= ? AND ${kinds} AND flags & ${FLAG_VERBATIM} = 0 AND json_extract(data, ?) IS NOT NULL`,
          )
          .run(inData, afterSeq, limit, type, inData);
    })();
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
   * once the gap closes): finding them would scan every row (no index on `delivered_at`).
   * A primary-key range: cheap even when nothing is left. Returns rows removed (0: none left).
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
