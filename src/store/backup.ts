/**
 * Backing up a live store, checking one, and starting a new one on purpose.
 */
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { QhError } from "../core/errors.js";
import { DB_FILE, openDatabase } from "./db.js";
import {
  assertStorePresent,
  type CheckResult,
  isSqliteError,
  quickCheck,
  STORE_MARKER,
  storeError,
} from "./integrity.js";
import { openReadOnly, type ReadOnlyStore } from "./read-only.js";
import { readLastSeq } from "./recover.js";
import { assertNoGateway } from "./running.js";

export interface BackupResult {
  file: string;
  bytes: number;
  /** the events sequence in the copy */
  lastSeq: number;
  /** bytes of WAL the copy could not include (a read-only mount without the WAL index), else 0 */
  walUnread: number;
  ms: number;
}

function lastSeqOf(db: Database.Database): number {
  try {
    return readLastSeq(db) ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Copy the store in `dataDir` to `dest` with SQLite's online backup API (better-sqlite3's
 * `db.backup()`): safe while the gateway runs and writes. The copy is taken in one step, that is
 * one read transaction: in WAL mode a reader never blocks the writer, and a copy made in small
 * steps would restart whenever the gateway commits. The copy is then quick-checked.
 * @throws QH_USAGE when `dest` exists; QH_STORE_MISSING without a database; QH_STORE_CORRUPT when
 * the copy fails its check.
 */
export async function backupStore(dataDir: string, dest: string): Promise<BackupResult> {
  const t0 = performance.now();
  const file = join(dataDir, DB_FILE);
  const target = resolve(dest);
  if (existsSync(target)) throw new QhError("QH_USAGE", `${target} exists: name a new file for the backup`);
  if (!existsSync(dirname(target)) || !statSync(dirname(target)).isDirectory())
    throw new QhError(
      "QH_PATH_INVALID",
      `${dirname(target)} is not a directory: the backup cannot be written there`,
    );
  if (!existsSync(file) || statSync(file).size === 0)
    throw new QhError("QH_STORE_MISSING", `there is no database to back up at ${file}`, { file });
  let opened: ReadOnlyStore;
  try {
    opened = openReadOnly(file);
  } catch (err) {
    throw isSqliteError(err) ? storeError(err, file) : err;
  }
  const src = opened.db;
  try {
    await src.backup(target, { progress: () => 1 << 30 });
  } catch (err) {
    rmSync(target, { force: true });
    throw isSqliteError(err) ? storeError(err, file) : err;
  } finally {
    src.close();
  }
  // one self-contained file: the copy leaves WAL mode, so no -wal/-shm files gather beside backups
  const copy = new Database(target);
  try {
    copy.pragma("journal_mode = DELETE");
    const r = quickCheck(copy);
    if (!r.ok)
      throw new QhError(
        "QH_STORE_CORRUPT",
        `the backup ${target} fails its check: ${r.problems.join("; ")}`,
        {
          file,
        },
      );
    return {
      file: target,
      bytes: statSync(target).size,
      lastSeq: lastSeqOf(copy),
      walUnread: opened.walUnread ? opened.walBytes : 0,
      ms: performance.now() - t0,
    };
  } finally {
    copy.close();
  }
}

export interface CheckReport extends CheckResult {
  file: string;
  bytes: number;
  /** bytes in the -wal file (commits not yet copied into the database file) */
  walBytes: number;
  /** the WAL could not be read (read-only mount): the check saw the database file alone */
  walUnread: boolean;
  lastSeq: number | null;
  events: number | null;
}

/**
 * `PRAGMA quick_check` (or `integrity_check` with `full`) of the store, read-only: safe while the
 * gateway runs. A file SQLite cannot even open is reported as damaged, not thrown.
 * @throws QH_STORE_MISSING when there is no database.
 */
export function checkStore(dataDir: string, full = false): CheckReport {
  const file = join(dataDir, DB_FILE);
  if (!existsSync(file) || statSync(file).size === 0) assertStorePresent(dataDir); // says what is missing
  if (!existsSync(file) || statSync(file).size === 0)
    throw new QhError("QH_STORE_MISSING", `there is no database at ${file}`, { file });
  const bytes = statSync(file).size;
  let db: Database.Database;
  let walBytes = statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  let walUnread = false;
  try {
    ({ db, walBytes, walUnread } = openReadOnly(file));
  } catch (err) {
    if (!isSqliteError(err)) throw err;
    return {
      file,
      bytes,
      walBytes,
      walUnread,
      ok: false,
      problems: [`${err.code}: ${err.message}`],
      ms: 0,
      lastSeq: null,
      events: null,
    };
  }
  try {
    let r: CheckResult = quickCheck(db);
    if (!r.ok && r.problems.some((p) => p.startsWith("SQLITE_READONLY") || p.startsWith("SQLITE_CANTOPEN"))) {
      // a WAL store is read through its -shm index: a user who may not write the data dir cannot
      // read it at all. That is a permission problem, not damage.
      throw new QhError(
        "QH_STORE_READONLY",
        `${file} cannot be read by this user without write access to ${dataDir} (SQLite's WAL index): run the check as the gateway's user`,
        { file },
      );
    }
    if (r.ok && full) {
      const t0 = performance.now();
      const lines = (db.pragma("integrity_check(20)") as { integrity_check: string }[]).map(
        (x) => x.integrity_check,
      );
      const ok = lines.length === 1 && lines[0] === "ok";
      r = { ok, problems: ok ? [] : lines, ms: r.ms + performance.now() - t0 };
    }
    let events: number | null = null;
    if (r.ok) {
      try {
        events = db.prepare("SELECT count(*) FROM events").pluck().get() as number;
      } catch {
        events = null;
      }
    }
    return { ...r, file, bytes, walBytes, walUnread, lastSeq: r.ok ? lastSeqOf(db) : null, events };
  } finally {
    db.close();
  }
}

/**
 * Start a new, empty store on purpose: what a person does after deciding that the old one is gone
 * (no backup, nothing to recover). Moves the old database files and the store marker aside (renamed
 * `….old-<timestamp>`), creates and migrates a fresh database. Refuses while a gateway runs, and
 * when the present database is healthy (move it away yourself if that is really meant).
 * @returns the files moved aside.
 */
export function newStore(dataDir: string, now = new Date()): string[] {
  assertNoGateway(dataDir);
  const file = join(dataDir, DB_FILE);
  if (existsSync(file) && statSync(file).size > 0 && checkStore(dataDir).ok)
    throw new QhError(
      "QH_USAGE",
      `${file} exists and passes its check: refusing to replace a healthy store (move it away first if you mean it)`,
    );
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const moved: string[] = [];
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, STORE_MARKER]) {
    const p = join(dataDir, f);
    if (!existsSync(p)) continue;
    const to = join(dataDir, `${f}.old-${ts}`);
    renameSync(p, to);
    moved.push(to);
  }
  openDatabase({ dataDir, newStore: true }).close();
  return moved;
}
