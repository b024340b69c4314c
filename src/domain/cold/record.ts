/**
 * The temperature record (EU Regulation 37/2005, EN 12830 practice): every reading of every zone,
 * kept at least `retentionDays` (≥ 366), in about one byte per reading.
 *
 *   reading ─► cold_open (one small row, committed at once: a power cut loses at most the reading
 *              being written) ─► every `blockReadings` per zone: encoded (record-codec.ts) into one
 *              cold_blocks BLOB row, the open rows deleted, in one transaction
 *
 * Readings are ordered by their per-zone sequence (`seq`), never by wall time: a wall clock that
 * stepped back is recorded as read, with FLAG_CLOCK_UNSYNCED, and exports keep the sequence order.
 */
import type Database from "better-sqlite3";
import {
  decodeBlock,
  encodeBlock,
  FLAG_CLOCK_UNSYNCED,
  FLAG_SENSOR_FAULT,
  FLAG_UNREACHABLE,
  type RawReading,
} from "./record-codec.js";
import { migrateCold } from "./schema.js";
import type { ReadingQuality } from "./types.js";

/** One reading of the record, as exported. */
export interface RecordedReading {
  seq: number;
  /** epoch ms (whole seconds) */
  ts: number;
  temperatureC: number | null;
  quality: ReadingQuality;
  /** the wall clock was not known right when it was taken */
  clockUnsynced: boolean;
}

/** A reading to append. */
export interface NewReading {
  /** wall ms */
  ts: number;
  temperatureC: number | null;
  quality: ReadingQuality;
  clockUnsynced: boolean;
}

export interface RecordOptions {
  /** readings per closed block (default 960: 8 h at 30 s, about 1 KB, several blocks per page) */
  blockReadings?: number;
  /** a reader (the CLI's export): no migration, no zone created, nothing written */
  readonly?: boolean;
}

interface BlockRow {
  first_seq: number;
  n: number;
  t0: number;
  interval: number;
  data: Buffer;
}

interface OpenRow {
  seq: number;
  ts: number;
  v: number | null;
  flags: number;
}

export function flagsOf(r: { quality: ReadingQuality; clockUnsynced: boolean }): number {
  return (
    (r.quality === "sensor_fault" ? FLAG_SENSOR_FAULT : r.quality === "unreachable" ? FLAG_UNREACHABLE : 0) |
    (r.clockUnsynced ? FLAG_CLOCK_UNSYNCED : 0)
  );
}

export function qualityOf(flags: number): ReadingQuality {
  return flags & FLAG_UNREACHABLE ? "unreachable" : flags & FLAG_SENSOR_FAULT ? "sensor_fault" : "ok";
}

export class TemperatureRecord {
  readonly blockReadings: number;
  private readonly ids = new Map<string, number>();
  private readonly nextSeq = new Map<number, number>();
  private readonly openCount = new Map<number, number>();
  private readonly st: Record<string, Database.Statement>;

  private readonly readonly: boolean;

  constructor(
    private readonly db: Database.Database,
    opts: RecordOptions = {},
  ) {
    this.readonly = opts.readonly ?? false;
    if (!this.readonly) migrateCold(db);
    this.blockReadings = opts.blockReadings ?? 960;
    this.st = {
      zoneId: db.prepare("SELECT id FROM cold_zone_ids WHERE name = ?").pluck(),
      zoneAdd: db.prepare("INSERT INTO cold_zone_ids (name) VALUES (?)"),
      openAdd: db.prepare("INSERT INTO cold_open (zone, seq, ts, v, flags) VALUES (?, ?, ?, ?, ?)"),
      openAll: db.prepare("SELECT seq, ts, v, flags FROM cold_open WHERE zone = ? ORDER BY seq"),
      openCount: db.prepare("SELECT count(*) FROM cold_open WHERE zone = ?").pluck(),
      openDel: db.prepare("DELETE FROM cold_open WHERE zone = ? AND seq <= ?"),
      maxSeq: db
        .prepare(
          "SELECT max(s) FROM (SELECT max(seq) AS s FROM cold_open WHERE zone = @z UNION ALL SELECT max(first_seq + n - 1) FROM cold_blocks WHERE zone = @z)",
        )
        .pluck(),
      blockAdd: db.prepare(
        "INSERT INTO cold_blocks (zone, first_seq, n, t0, interval, min_ts, max_ts, unsynced, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      openIn: db.prepare(
        "SELECT seq, ts, v, flags FROM cold_open WHERE zone = ? AND ts >= ? AND ts <= ? ORDER BY seq",
      ),
    };
  }

  /** Forgets what is cached of a zone (its next seq, its open count): a transaction rolled back. */
  reload(zone: string): void {
    this.ids.delete(zone);
  }

  /** The zone's small integer id (created on first use). */
  zoneId(zone: string): number {
    let id = this.ids.get(zone);
    if (id !== undefined) return id;
    id = this.st.zoneId!.get(zone) as number | undefined;
    if (id === undefined && this.readonly) return -1; // nothing recorded for it yet
    if (id === undefined) id = Number(this.st.zoneAdd!.run(zone).lastInsertRowid);
    this.ids.set(zone, id);
    const max = this.st.maxSeq!.get({ z: id }) as number | null;
    this.nextSeq.set(id, (max ?? 0) + 1);
    this.openCount.set(id, this.st.openCount!.get(id) as number);
    return id;
  }

  /**
   * Appends one reading of `zone` and returns its seq. Runs in the caller's transaction when there
   * is one (the cold service commits a reading with the alarm state it changed); a full open block
   * is compacted in the same transaction.
   * @param intervalS the zone's poll interval, s: the block's expected spacing
   */
  append(zone: string, r: NewReading, intervalS: number): number {
    const z = this.zoneId(zone);
    const seq = this.nextSeq.get(z)!;
    const v = r.temperatureC === null ? null : Math.round(r.temperatureC * 10);
    this.st.openAdd!.run(z, seq, Math.round(r.ts / 1000), v, flagsOf(r));
    this.nextSeq.set(z, seq + 1);
    const n = this.openCount.get(z)! + 1;
    this.openCount.set(z, n);
    if (n >= this.blockReadings) this.compact(zone, intervalS);
    return seq;
  }

  /** Encodes the zone's open readings into one block (nothing when there are none). */
  compact(zone: string, intervalS: number): void {
    const z = this.zoneId(zone);
    this.db.transaction(() => {
      const rows = this.st.openAll!.all(z) as OpenRow[];
      if (rows.length === 0) return;
      const raw: RawReading[] = rows.map((o) => ({ ts: o.ts, v: o.v, flags: o.flags }));
      const first = rows[0]!;
      let min = first.ts;
      let max = first.ts;
      let unsynced = 0;
      for (const o of rows) {
        if (o.ts < min) min = o.ts;
        if (o.ts > max) max = o.ts;
        if (o.flags & FLAG_CLOCK_UNSYNCED) unsynced++;
      }
      const data = encodeBlock(raw, first.ts, intervalS);
      this.st.blockAdd!.run(z, first.seq, rows.length, first.ts, intervalS, min, max, unsynced, data);
      this.st.openDel!.run(z, rows[rows.length - 1]!.seq);
      this.openCount.set(z, 0);
    })();
  }

  /**
   * Deletes closed blocks older than the cut-off (wall ms): a block goes only when all its readings
   * are older, so at least `retention` is always kept. Blocks written on an unsynchronised clock
   * go only once a later, synchronised block of the zone is itself past the cut-off (their dates
   * may be anything, 1970 included). Returns the readings removed.
   */
  prune(cutoffMs: number): number {
    const cut = Math.floor(cutoffMs / 1000);
    return this.db.transaction(() => {
      let removed = 0;
      const zones = this.db.prepare("SELECT id FROM cold_zone_ids").pluck().all() as number[];
      for (const z of zones) {
        const last = this.db
          .prepare("SELECT max(first_seq) FROM cold_blocks WHERE zone = ? AND max_ts < ? AND unsynced = 0")
          .pluck()
          .get(z, cut) as number | null;
        if (last === null) continue;
        const n = this.db
          .prepare("SELECT coalesce(sum(n), 0) FROM cold_blocks WHERE zone = ? AND first_seq <= ?")
          .pluck()
          .get(z, last) as number;
        this.db.prepare("DELETE FROM cold_blocks WHERE zone = ? AND first_seq <= ?").run(z, last);
        removed += n;
      }
      return removed;
    })();
  }

  /**
   * Calls `each` for every reading of `zone` taken in [fromMs, toMs] (by its wall time), in
   * sequence order, block by block (nothing is built in memory). `between` lets a streaming
   * caller wait: it is called after each block and awaited when it returns a promise.
   */
  async forEach(
    zone: string,
    fromMs: number,
    toMs: number,
    each: (r: RecordedReading) => void,
    between?: () => Promise<void> | undefined,
  ): Promise<number> {
    return this.forEachRaw(
      zone,
      fromMs,
      toMs,
      (seq, ts, v, flags) =>
        each({
          seq,
          ts: ts * 1000,
          temperatureC: v === null ? null : v / 10,
          quality: qualityOf(flags),
          clockUnsynced: (flags & FLAG_CLOCK_UNSYNCED) !== 0,
        }),
      between,
    );
  }

  /**
   * forEach without an object per reading (the export's hot loop): `ts` in epoch seconds, `v` in
   * 0.1 °C (null: no value), `flags` the FLAG_* bits.
   */
  async forEachRaw(
    zone: string,
    fromMs: number,
    toMs: number,
    each: (seq: number, ts: number, v: number | null, flags: number) => void,
    between?: () => Promise<void> | undefined,
  ): Promise<number> {
    const z = this.zoneId(zone);
    const from = Math.ceil(fromMs / 1000);
    // [from, to): from inclusive, to exclusive (readings are dated in whole seconds)
    const to = Math.ceil(toMs / 1000) - 1;
    let count = 0;
    // statements are not iterated across awaits (the connection is shared): page by first_seq
    const page = this.db.prepare(
      "SELECT first_seq, n, t0, interval, data FROM cold_blocks WHERE zone = ? AND max_ts >= ? AND min_ts <= ? AND first_seq > ? ORDER BY first_seq LIMIT 16",
    );
    let after = -1;
    for (;;) {
      const rows = page.all(z, from, to, after) as BlockRow[];
      if (rows.length === 0) break;
      for (const b of rows) {
        const first = b.first_seq;
        decodeBlock(b.data, b.t0, b.interval, (i, ts, v, flags) => {
          if (ts < from || ts > to) return;
          count++;
          each(first + i, ts, v, flags);
        });
        after = first;
        const w = between?.();
        if (w) await w;
      }
    }
    for (const o of this.st.openIn!.all(z, from, to) as OpenRow[]) {
      count++;
      each(o.seq, o.ts, o.v, o.flags);
    }
    return count;
  }

  /** Readings held (closed blocks and open rows), per zone name. */
  counts(): Record<string, number> {
    const rows = this.db
      .prepare(
        `SELECT z.name AS name,
           coalesce((SELECT sum(n) FROM cold_blocks b WHERE b.zone = z.id), 0)
           + (SELECT count(*) FROM cold_open o WHERE o.zone = z.id) AS n
         FROM cold_zone_ids z`,
      )
      .all() as { name: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  }
}
