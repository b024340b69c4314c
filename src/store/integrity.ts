/**
 * Is the store there, writable and readable? The checks the gateway and every CLI command run
 * before they trust `quarterhour.db`, and the mapping of SQLite's own errors to coded ones.
 *
 * SQLite facts used here (https://sqlite.org/rescode.html, https://sqlite.org/pragma.html):
 * a file with a damaged header fails its first statement with SQLITE_NOTADB; a truncated file or a
 * damaged b-tree page fails reads with SQLITE_CORRUPT, and `PRAGMA quick_check` either lists the
 * problems or itself throws SQLITE_CORRUPT; a 0-byte file opens as an empty database.
 */
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { QhError } from "../core/errors.js";

/** The database file's name in the data dir (the same as `DB_FILE` in db.ts). */
const DB_NAME = "quarterhour.db";

/**
 * Written next to the database when the gateway creates a store: proof that this data dir held a
 * store, so a database that disappears later is noticed instead of silently re-created.
 */
export const STORE_MARKER = "store.id";

/** Files whose presence says a gateway has run on this data dir before (besides the database). */
const SIGNS_OF_A_PAST_RUN = [STORE_MARKER, "locker.key", `${DB_NAME}-wal`];

/** The files in `dataDir` that show a gateway ran there before (names, possibly empty). */
export function signsOfPastRun(dataDir: string): string[] {
  return SIGNS_OF_A_PAST_RUN.filter((f) => existsSync(join(dataDir, f)));
}

/**
 * Refuse a missing or empty database in a data dir that held one before.
 * @throws QhError QH_STORE_MISSING naming the file and the files that show the past run.
 * @returns true when the database file exists and is not empty (false: a first start).
 */
export function assertStorePresent(dataDir: string): boolean {
  const file = join(dataDir, DB_NAME);
  const size = existsSync(file) ? statSync(file).size : -1;
  if (size > 0) return true;
  const signs = signsOfPastRun(dataDir);
  if (size === 0) {
    throw new QhError(
      "QH_STORE_MISSING",
      `${file} is empty (0 bytes): the store was lost or never written${signs.length ? ` (this data dir holds ${signs.join(", ")})` : ""}`,
      { file, signs },
    );
  }
  if (signs.length > 0) {
    throw new QhError(
      "QH_STORE_MISSING",
      `${file} is missing, but ${signs.join(", ")} in ${dataDir} ${signs.length === 1 ? "shows" : "show"} that a gateway ran here: refusing to start as a new gateway`,
      { file, signs },
    );
  }
  return false;
}

/** Record that this data dir now holds a store (idempotent). */
export function writeStoreMarker(dataDir: string, storeId: string): void {
  const f = join(dataDir, STORE_MARKER);
  if (existsSync(f)) return;
  writeFileSync(f, `${JSON.stringify({ storeId, createdAt: new Date().toISOString() })}\n`, { mode: 0o644 });
}

/** The store id recorded in the marker, if any. */
export function readStoreMarker(dataDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dataDir, STORE_MARKER), "utf8")) as { storeId?: string }).storeId;
  } catch {
    return undefined;
  }
}

/**
 * The gateway must be able to write the data dir (the -wal and -shm files live there) and the
 * database. Checked before opening: SQLite would otherwise open the file read-only and fail later.
 * @throws QhError QH_STORE_READONLY naming the path that cannot be written.
 */
export function assertWritable(dataDir: string): void {
  const file = join(dataDir, DB_NAME);
  for (const p of existsSync(file) ? [dataDir, file] : [dataDir]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EROFS")
        throw new QhError(
          "QH_STORE_READONLY_FS",
          `${p} is on a read-only file system: the store cannot be written (a card the kernel remounted read-only after I/O errors? see dmesg)`,
          { path: p },
        );
      throw new QhError(
        "QH_STORE_READONLY",
        `${p} is not writable for this user: the store cannot be written`,
        {
          path: p,
        },
      );
    }
  }
}

export interface CheckResult {
  ok: boolean;
  /** quick_check's lines (at most 20), or the error SQLite raised while checking */
  problems: string[];
  /** how long the check took, ms */
  ms: number;
}

/**
 * `PRAGMA quick_check` over the whole file: every b-tree page, record format and freelist, without
 * the index-content cross-checks of integrity_check. O(database size): its time is bounded by the
 * disk quota (store.diskQuotaMb); see docs/operations.md for figures.
 */
export function quickCheck(db: Database.Database): CheckResult {
  const t0 = performance.now();
  try {
    const rows = db.pragma("quick_check(20)", { simple: false }) as { quick_check: string }[];
    // one row per problem, though SQLite may put several on one row, headed "*** in database main ***"
    const lines = rows.flatMap((r) => r.quick_check.split("\n")).filter((l) => l && !l.startsWith("***"));
    const ok = lines.length === 1 && lines[0] === "ok";
    return { ok, problems: ok ? [] : lines, ms: performance.now() - t0 };
  } catch (err) {
    if (!isSqliteError(err)) throw err;
    return { ok: false, problems: [`${err.code}: ${err.message}`], ms: performance.now() - t0 };
  }
}

/** A better-sqlite3 error (its `code` is SQLite's extended result code name, e.g. SQLITE_CORRUPT). */
export function isSqliteError(err: unknown): err is Error & { code: string } {
  return err instanceof Database.SqliteError;
}

/**
 * Map an SQLite error to the coded error an operator can act on, naming the file.
 * CORRUPT/NOTADB → QH_STORE_CORRUPT; READONLY/PERM → QH_STORE_READONLY; CANTOPEN → QH_STORE_OPEN;
 * FULL → QH_STORE_FULL; anything else (IOERR, BUSY, …) → QH_STORE_IO. Extended codes
 * (SQLITE_CORRUPT_INDEX, SQLITE_IOERR_WRITE, …) map as their primary code.
 */
export function storeError(err: Error & { code: string }, file: string): QhError {
  const code = err.code;
  const details = { file, sqlite: code };
  const msg = `${file}: ${err.message} (${code})`;
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code))
    return new QhError("QH_STORE_CORRUPT", `${file} is damaged: ${err.message} (${code})`, details);
  if (/^SQLITE_(READONLY|PERM)/.test(code))
    return new QhError("QH_STORE_READONLY", `${file} cannot be written: ${err.message} (${code})`, details);
  if (/^SQLITE_CANTOPEN/.test(code)) return new QhError("QH_STORE_OPEN", msg, details);
  if (/^SQLITE_FULL/.test(code)) return new QhError("QH_STORE_FULL", msg, details);
  return new QhError("QH_STORE_IO", msg, details);
}
