import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { QhError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { diskWriteError, isDiskWriteFailure } from "./disk.js";
import { mirrorEventKinds } from "./event-kinds.js";
import {
  assertStorePresent,
  assertWritable,
  type CheckResult,
  isSqliteError,
  quickCheck,
  storeError,
  writeStoreMarker,
} from "./integrity.js";
import { migrate } from "./migrate.js";
import { adoptPageSize, CONVERT_MAX_BYTES, type UpgradeLog } from "./page-size.js";
import { openReadOnly } from "./read-only.js";
import { CORE_MIGRATIONS } from "./schema.js";

export type Db = Database.Database;

export interface OpenOptions {
  dataDir: string;
  /** FULL (default) survives power loss at commit; NORMAL survives a process crash only. */
  synchronous?: "FULL" | "NORMAL";
  /**
   * The caller makes commits durable itself, off the event loop (issue 13): SQLite runs with
   * synchronous=NORMAL (a commit writes the WAL without fsync) and without autocheckpoint; the
   * caller syncs the WAL with a WalSync (src/store/wal-sync.ts) before it acknowledges anything and
   * checkpoints with a Checkpointer (src/store/checkpointer.ts). Default false.
   */
  background?: boolean;
  /**
   * Bytes the WAL is cut back to after a checkpoint resets it (`journal_size_limit`). Default
   * JOURNAL_SIZE_LIMIT (16 MiB); the gateway passes the smaller of that and `store.walMaxMb`.
   */
  journalSizeLimit?: number;
  readonly?: boolean;
  /**
   * Run `PRAGMA quick_check` before anything else touches the file (the gateway at start); the
   * function form also receives the result when it passed (for the log).
   */
  check?: boolean | ((r: CheckResult) => void);
  /**
   * Create the database even though the data dir shows that a store was there before
   * (`quarterhour store new`, after it moved the old files aside). Default: refuse.
   */
  newStore?: boolean;
  /** where the start, end and duration of a schema upgrade and a page-size conversion are logged */
  log?: UpgradeLog;
}

export const DB_FILE = "quarterhour.db";

/**
 * SQLite page size of a new store, bytes. A commit writes each page it changed as one WAL frame
 * (page + 24 bytes): with 1 KiB pages a quiet site's commit of one or two events writes about
 * 1 KiB instead of 4 KiB, and the kernel counts the 4 KiB page-cache pages that write dirties
 * (one, sometimes two, instead of always two). A store made with 4 KiB pages is rewritten with
 * this size once, when that is cheap (page-size.ts). See docs/performance.md "SD-card wear".
 */
export const PAGE_SIZE = 1024;
/** WAL pages after which a checkpoint runs (SQLite's autocheckpoint, or the checkpointer worker). */
export const WAL_CHECKPOINT_PAGES = 4000;

/** Bytes the WAL keeps after a checkpoint reset: the autocheckpoint's 4,000 pages of 4 KiB. */
export const JOURNAL_SIZE_LIMIT = WAL_CHECKPOINT_PAGES * 4096;

/** The WAL's size limit for `store.walMaxMb` (MB): the smaller of it and JOURNAL_SIZE_LIMIT, bytes. */
export function journalSizeLimit(walMaxMb: number): number {
  return Math.min(JOURNAL_SIZE_LIMIT, walMaxMb * 1048576);
}

/**
 * Open (and migrate) the gateway database: WAL, synchronous=FULL by default so that a committed
 * event survives a power cut, busy_timeout so read-only CLI commands can read while the gateway
 * runs. Only the holder of the data dir's lock (src/store/lock.ts) opens it for writing.
 *
 *
 * Before SQLite sees the file: the data dir and database must be writable (QH_STORE_READONLY), and
 * a missing or 0-byte database in a data dir that held a store is refused (QH_STORE_MISSING) rather
 * than silently re-created. With `check`, a damaged file is QH_STORE_CORRUPT before any migration;
 * any other SQLite error while opening comes back coded too (see `storeError`), naming the file.
 */
export function openDatabase(opts: OpenOptions): Db {
  const file = join(opts.dataDir, DB_FILE);
  const readonly = opts.readonly ?? false;
  try {
    if (!readonly) mkdirSync(opts.dataDir, { recursive: true });
  } catch (err) {
    throw new QhError("QH_STORE_OPEN", `cannot create ${opts.dataDir}: ${(err as Error).message}`);
  }
  if (!readonly) assertWritable(opts.dataDir);
  const present = opts.newStore ? false : assertStorePresent(opts.dataDir);
  if (readonly && !present)
    throw new QhError("QH_STORE_MISSING", `there is no database at ${file}`, { file });
  let db: Db;
  try {
    db = readonly ? openReadOnly(file).db : new Database(file);
  } catch (err) {
    if (err instanceof QhError) throw err;
    if (isSqliteError(err)) throw storeError(err, file);
    throw new QhError("QH_STORE_OPEN", `cannot open ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma("busy_timeout = 5000");
    if (opts.check) {
      const r = quickCheck(db);
      if (!r.ok) {
        throw new QhError("QH_STORE_CORRUPT", `${file} is damaged: ${r.problems.slice(0, 3).join("; ")}`, {
          file,
          problems: r.problems,
        });
      }
      if (typeof opts.check === "function") opts.check(r);
    }
    if (!readonly) {
      // a new store only (SQLite changes the page size of an empty file alone): see PAGE_SIZE
      if ((db.pragma("page_count", { simple: true }) as number) === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${opts.background ? "NORMAL" : (opts.synchronous ?? "FULL")}`);
      db.pragma("foreign_keys = ON");
      // Checkpoint in bigger steps: fewer small writes to an SD card. In the background mode the
      // checkpointer worker does it, never a commit on the event loop.
      db.pragma(`wal_autocheckpoint = ${opts.background ? 0 : WAL_CHECKPOINT_PAGES}`);
      // After a checkpoint resets the WAL, cut the file back to this size (a WAL grown while an
      // outside reader held a snapshot shrinks again once the reader lets go).
      db.pragma(`journal_size_limit = ${Math.round(opts.journalSizeLimit ?? JOURNAL_SIZE_LIMIT)}`);
      migrateLogged(db, file, opts.log);
      mirrorEventKinds(db); // the second copy of the kinds dictionary (event-kinds.ts)
      // a store made before 1 KiB pages, once
      adoptPageSize(db, file, opts.dataDir, PAGE_SIZE, CONVERT_MAX_BYTES, opts.log);
      writeStoreMarker(opts.dataDir, newId());
    }
  } catch (err) {
    db.close();
    if (isSqliteError(err)) {
      const coded = storeError(err, file);
      // damaged, missing or unwritable: the store needs a person (exit 3)
      if (coded.code !== "QH_STORE_FULL" && coded.code !== "QH_STORE_IO") throw coded;
    }
    // A disk with no room even for the WAL's index (-shm) and log: a coded error, exit 1, so that
    // systemd keeps restarting and the gateway comes back by itself once space is freed.
    if (isDiskWriteFailure(err)) throw diskWriteError(err, `cannot open ${file}`, opts.dataDir);
    throw isSqliteError(err) ? storeError(err, file) : err;
  }
  return db;
}

/**
 * The core migrations, with an upgrade of an existing store (not a new one) logged: its start
 * (versions, events to rewrite), end and duration.
 */
function migrateLogged(db: Db, file: string, log?: UpgradeLog): void {
  const hasVersions =
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get() !==
    undefined;
  const from = hasVersions
    ? ((db.prepare("SELECT version FROM schema_version WHERE component = 'core'").pluck().get() as
        | number
        | undefined) ?? 0)
    : 0;
  const to = Math.max(...CORE_MIGRATIONS.map((m) => m.version));
  if (from === 0 || from >= to || !log) {
    migrate(db, "core", CORE_MIGRATIONS);
    return;
  }
  const events = db.prepare("SELECT count(*) FROM events").pluck().get() as number;
  const t0 = performance.now();
  log.info(
    { file, from, to, events },
    "store upgrade started (core schema; no way back: docs/operations.md)",
  );
  migrate(db, "core", CORE_MIGRATIONS);
  log.info({ file, from, to, events, ms: Math.round(performance.now() - t0) }, "store upgrade done");
}

export function dbFile(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

/**
 * Run a write that needs to survive a process crash but not necessarily a power cut (WAL with
 * synchronous=NORMAL: no fsync at its commit; the next FULL commit makes it durable too). Used for
 * bookkeeping on the latency-critical path (the record of a lock pulse), never for events.
 */
export function withoutFsync<T>(db: Db, fn: () => T): T {
  const prior = db.pragma("synchronous", { simple: true }) as number;
  if (prior <= 1) return fn();
  db.pragma("synchronous = NORMAL");
  try {
    return fn();
  } finally {
    db.pragma(`synchronous = ${prior}`);
  }
}

export interface CheckpointResult {
  /** true: a reader's snapshot (or a writer) kept the checkpoint from finishing */
  busy: boolean;
  /** WAL frames, and frames copied into the database */
  walFrames: number;
  checkpointed: number;
}

/**
 * Checkpoint the WAL without waiting: TRUNCATE (copy every frame into the database, then cut the
 * WAL file to zero bytes) or RESTART (the same, keeping the file for reuse: what a full disk needs,
 * since a truncated WAL must grow again). The busy timeout is lifted for the call so that a reader
 * holding a snapshot makes it return `busy` at once instead of blocking the event loop.
 * Throws SQLite's error (e.g. SQLITE_FULL while copying into a database file that must grow).
 */
export function checkpoint(db: Db, mode: "TRUNCATE" | "RESTART" = "TRUNCATE"): CheckpointResult {
  const prior = db.pragma("busy_timeout", { simple: true }) as number;
  db.pragma("busy_timeout = 0");
  try {
    const r = (
      db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[]
    )[0];
    return { busy: r?.busy === 1, walFrames: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0 };
  } finally {
    db.pragma(`busy_timeout = ${prior}`);
  }
}
