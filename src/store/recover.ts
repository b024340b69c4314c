/**
 * `quarterhour store recover`: build a new `quarterhour.db` from what SQLite can still read of the
 * old one, keep the old files (renamed with a timestamp), and make the next seq follow the highest
 * one recovered. Never while a gateway runs on the data dir (see `runningGateway`).
 *
 * Steps: copy the database (and its -wal) to a work file, so the originals are never opened; if
 * SQLite rejects the header, rewrite the 100-byte header (https://sqlite.org/fileformat2.html §1.3)
 * on the work copy; if `quick_check` passes, `VACUUM INTO` the new file; otherwise create the
 * schema from sqlite_master and salvage each table row by row (salvage.ts). Only when the new file
 * passes quick_check are the originals renamed aside and the new file moved into place.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { QhError } from "../core/errors.js";
import { DB_FILE } from "./db.js";
import { isSqliteError, quickCheck } from "./integrity.js";
import { type KindsRecovery, recoverKinds } from "./recover-kinds.js";
import { assertNoGateway } from "./running.js";
import { salvageTable, type TableSalvage } from "./salvage.js";

export interface RecoverOptions {
  /** the next event's seq will be at least this (e.g. the platform's last seen seq + 1) */
  minSeq?: number;
  /** clock for the kept files' timestamp (tests) */
  now?: () => Date;
}

export interface RecoverResult {
  method: "vacuum" | "salvage";
  headerRepaired: boolean;
  /** the file was shorter than its header says (truncated): zero pages were appended to the copy */
  padded: boolean;
  /** the old files, renamed `quarterhour.db.damaged-<time>` (`.old-<time>` when it read cleanly) */
  kept: string[];
  tables: TableSalvage[];
  /** the highest event seq in the recovered file */
  maxRecoveredSeq: number;
  /** the recorded last seq after recovery: the next event gets lastSeq + 1 */
  lastSeq: number;
  /** the kinds dictionary: restored from its copy, and events set aside whose kind is lost */
  kinds: KindsRecovery;
  ms: number;
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

/** Recover the store in `dataDir` (see the module comment). */
export function recoverStore(dataDir: string, opts: RecoverOptions = {}): RecoverResult {
  const t0 = performance.now();
  const file = join(dataDir, DB_FILE);
  if (!existsSync(file) || statSync(file).size === 0)
    throw new QhError("QH_STORE_MISSING", `there is no database to recover at ${file}`, { file });
  assertNoGateway(dataDir);
  const ts = stamp((opts.now ?? (() => new Date()))());
  const work = join(dataDir, `${DB_FILE}.recovering-${ts}`);
  const out = join(dataDir, `${DB_FILE}.recovered-${ts}`);
  const cleanup = () => {
    for (const f of [work, `${work}-wal`, `${work}-shm`, `${work}-journal`]) rmSync(f, { force: true });
  };
  cleanup();
  rmSync(out, { force: true });
  copyFileSync(file, work);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${work}-wal`);

  let result: Omit<RecoverResult, "kept" | "ms">;
  try {
    result = rebuild(work, out, opts.minSeq ?? 0);
  } catch (err) {
    rmSync(out, { force: true });
    throw err;
  } finally {
    cleanup();
  }
  syncFile(out); // the new file is on the disk before the old one is moved aside
  const damaged = result.method === "salvage" || result.headerRepaired || result.padded;
  const kept: string[] = [];
  for (const suffix of ["", "-wal"]) {
    const f = `${file}${suffix}`;
    if (!existsSync(f)) continue;
    if (suffix && statSync(f).size === 0) {
      rmSync(f); // an empty WAL holds nothing to keep
      continue;
    }
    const k = join(dataDir, `${DB_FILE}.${damaged ? "damaged" : "old"}-${ts}${suffix}`);
    renameSync(f, k);
    kept.push(k);
  }
  rmSync(`${file}-shm`, { force: true });
  renameSync(out, file);
  return { ...result, kept, ms: performance.now() - t0 };
}

function syncFile(f: string): void {
  const fd = openSync(f, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function rebuild(work: string, out: string, minSeq: number): Omit<RecoverResult, "kept" | "ms"> {
  let headerRepaired = false;
  const padded = padTruncated(work);
  let src = new Database(work);
  let check = quickCheck(src);
  if (!check.ok && check.problems.some((p) => p.startsWith("SQLITE_NOTADB"))) {
    src.close();
    repairHeaderFindingPageSize(work);
    headerRepaired = true;
    src = new Database(work);
    check = quickCheck(src);
  }
  try {
    let method: "vacuum" | "salvage" = "vacuum";
    let tables: TableSalvage[] = [];
    if (check.ok) {
      src.prepare("VACUUM INTO ?").run(out);
    } else {
      method = "salvage";
      tables = salvageInto(src, out);
    }
    const oldSeq = readSequence(src);
    const dst = new Database(out);
    try {
      const hasEvents = dst.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'").get();
      const maxRecoveredSeq = hasEvents
        ? ((dst.prepare("SELECT max(seq) FROM events").pluck().get() as number | null) ?? 0)
        : 0;
      const lastSeq = Math.max(oldSeq ?? 0, maxRecoveredSeq, minSeq - 1);
      // The end of the events table is gone (a truncated file, an unreadable last page) and no
      // record of the last seq survived: the highest seq handed out is unknown. Never guess low
      // (the platform would see seqs again): ask for the platform's last seq instead.
      const tailLost =
        padded ||
        tables.some((t) => t.name === "events" && t.skipped.some(([, b]) => b >= Number.MAX_SAFE_INTEGER));
      if (tailLost && minSeq === 0 && (oldSeq ?? 0) <= maxRecoveredSeq) {
        throw new QhError(
          "QH_STORE_SEQ_UNKNOWN",
          `the end of the events table in the damaged store is unreadable (highest readable seq ${maxRecoveredSeq}): the last seq handed out is unknown`,
          { maxRecoveredSeq },
        );
      }
      const kinds = recoverKinds(dst);
      if (hasEvents) writeLastSeq(dst, lastSeq);
      const after = quickCheck(dst);
      if (!after.ok)
        throw new QhError(
          "QH_STORE_CORRUPT",
          `the recovered file fails its check: ${after.problems.join("; ")}`,
        );
      return { method, headerRepaired, padded, tables, maxRecoveredSeq, lastSeq, kinds };
    } finally {
      dst.close();
    }
  } finally {
    src.close();
  }
}

const hasTable = (db: Database.Database, name: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/**
 * The highest seq a store has handed out, wherever it is recorded: `meta.events_last_seq` (core
 * schema 2: seq survives retention there), `sqlite_sequence` (schema 1: AUTOINCREMENT) and the
 * events themselves. Undefined when none of them can be read (a damaged file).
 */
export function readLastSeq(db: Database.Database): number | undefined {
  let best: number | undefined;
  const take = (sql: string) => {
    try {
      const v = Number(db.prepare(sql).pluck().get() ?? 0);
      if (Number.isSafeInteger(v)) best = Math.max(best ?? 0, v);
    } catch {
      // that record is unreadable: the others decide
    }
  };
  if (hasTable(db, "sqlite_sequence")) take("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
  if (hasTable(db, "meta")) take("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events_last_seq'");
  if (hasTable(db, "events")) take("SELECT max(seq) FROM events");
  return best;
}

/** Record `lastSeq` wherever this store's schema keeps it (see readLastSeq). */
function writeLastSeq(db: Database.Database, lastSeq: number): void {
  if (hasTable(db, "sqlite_sequence")) {
    db.prepare("DELETE FROM sqlite_sequence WHERE name = 'events'").run();
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(lastSeq);
  }
  if (hasTable(db, "meta")) {
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('events_last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(String(lastSeq));
  }
}

/** The events sequence of the damaged file, if SQLite can still read it. */
function readSequence(src: Database.Database): number | undefined {
  try {
    return readLastSeq(src);
  } catch {
    return undefined;
  }
}

interface SchemaRow {
  type: string;
  name: string;
  sql: string;
}

function salvageInto(src: Database.Database, out: string): TableSalvage[] {
  let schema: SchemaRow[];
  try {
    schema = src
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
      .all() as SchemaRow[];
  } catch (err) {
    throw new QhError(
      "QH_STORE_CORRUPT",
      `nothing can be recovered: the schema itself is unreadable (${isSqliteError(err) ? err.code : (err as Error).message}); restore a backup`,
    );
  }
  const dst = new Database(out);
  // a scratch file until it is checked and synced (rebuild → recoverStore): no journal, no fsync
  dst.pragma("journal_mode = OFF");
  dst.pragma("synchronous = OFF");
  try {
    const tables = schema.filter((s) => s.type === "table" && !s.name.startsWith("sqlite_"));
    for (const t of tables) dst.exec(t.sql);
    const results = tables.map((t) => salvageTable(src, dst, t.name, /WITHOUT\s+ROWID/i.test(t.sql)));
    for (const s of schema.filter((x) => x.type !== "table" && !x.name.startsWith("sqlite_"))) {
      try {
        dst.exec(s.sql);
      } catch {
        // an index or trigger that no longer fits the salvaged rows (e.g. UNIQUE): leave it out
      }
    }
    return results;
  } finally {
    dst.close();
  }
}

/**
 * A truncated file (shorter than the page count in its valid header, or ending in a partial page)
 * makes SQLite reject the whole schema. Append zero bytes up to the header's size: the missing
 * pages then read as damaged pages, which salvage skips, and everything before them is readable.
 * @returns whether the file was extended.
 */
function padTruncated(file: string): boolean {
  const size = statSync(file).size;
  const fd = openSync(file, "r+");
  try {
    const h = Buffer.alloc(100);
    if (readSync(fd, h, 0, 100, 0) < 100 || h.toString("latin1", 0, 16) !== "SQLite format 3\0") return false;
    const raw = h.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return false;
    const valid = h.readUInt32BE(24) === h.readUInt32BE(92);
    const pages = valid ? h.readUInt32BE(28) : Math.ceil(size / pageSize);
    const want = Math.max(pages * pageSize, Math.ceil(size / pageSize) * pageSize);
    if (want <= size) return false;
    ftruncateSync(fd, want);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** The page size a database header states, if it is a valid one (a power of two, 512-65536). */
function statedPageSize(file: string): number | undefined {
  const fd = openSync(file, "r");
  try {
    const h = Buffer.alloc(100);
    readSync(fd, h, 0, 100, 0);
    const raw = h.readUInt16BE(16);
    const size = raw === 1 ? 65536 : raw;
    return size >= 512 && (size & (size - 1)) === 0 ? size : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Repair the header of `file` (repairHeader) with the page size its pages really have. A garbage
 * header no longer says it: the stated one (if valid) is tried first, then the sizes stores are
 * made with (4096 before core schema 3, 1024 since: db.ts PAGE_SIZE) and the other valid sizes;
 * the first size under which the file passes quick_check wins, else the one under which the most
 * of the schema reads (salvage takes it from there).
 */
function repairHeaderFindingPageSize(file: string): void {
  const stated = statedPageSize(file);
  const sizes = [...new Set([stated, 4096, 1024, 2048, 8192, 16384, 32768, 65536, 512])].filter(
    (x): x is number => x !== undefined,
  );
  let best: { size: number; objects: number } | undefined;
  for (const size of sizes) {
    repairHeader(file, size);
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      if (quickCheck(db).ok) return;
      const objects = db.prepare("SELECT count(*) FROM sqlite_master").pluck().get() as number;
      if (!best || objects > best.objects) best = { size, objects };
    } catch {
      // not this size
    } finally {
      db?.close();
      for (const f of [`${file}-shm`]) rmSync(f, { force: true });
    }
  }
  repairHeader(file, best?.size ?? stated ?? 4096);
}

/**
 * Rewrite the 100-byte database header of `file` with plausible values (`pageSize`, by default
 * the stored page size when it is a valid one, else 4096; UTF-8, schema format 4, no freelist),
 * keeping every page as it is: the header is all SQLite needs to find sqlite_master on page 1 and
 * every table from there. A -wal next to it is used when it matches (format bytes 2, WAL).
 */
export function repairHeader(file: string, pageSize?: number): void {
  const size = statSync(file).size;
  if (pageSize === undefined) pageSize = statedPageSize(file) ?? 4096;
  const fd = openSync(file, "r+");
  try {
    const h = Buffer.alloc(100);
    h.fill(0);
    h.write("SQLite format 3\0", 0, "latin1");
    h.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
    const wal = existsSync(`${file}-wal`) ? 2 : 1;
    h[18] = wal; // file format write/read version: 1 rollback journal, 2 WAL
    h[19] = wal;
    h[21] = 64; // payload fractions: fixed by the format
    h[22] = 32;
    h[23] = 32;
    h.writeUInt32BE(1, 24); // change counter
    h.writeUInt32BE(Math.ceil(size / pageSize), 28); // size in pages (valid: offset 92 matches 24)
    h.writeUInt32BE(1, 40); // schema cookie
    h.writeUInt32BE(4, 44); // schema format
    h.writeUInt32BE(1, 56); // text encoding UTF-8
    h.writeUInt32BE(1, 92); // version-valid-for
    h.writeUInt32BE(3046000, 96);
    writeSync(fd, h, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
}
