import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import type Database from "better-sqlite3";
import { freeBytes } from "./disk.js";

/** Stores up to this size get the new page size at open (a rewrite of about this much, once). */
export const CONVERT_MAX_BYTES = 256 * 1048576;

/** What adoptPageSize reports (to a log): info for start, end and skips, warn for failures. */
export interface UpgradeLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/**
 * The directory SQLite builds VACUUM's temporary copy in (unix VFS, `unixTempFileDir`): the first
 * writable of $SQLITE_TMPDIR, $TMPDIR, /var/tmp, /usr/tmp, /tmp. https://sqlite.org/tempfiles.html
 */
export function sqliteTempDir(): string {
  for (const d of [process.env.SQLITE_TMPDIR, process.env.TMPDIR, "/var/tmp", "/usr/tmp", "/tmp"]) {
    if (!d) continue;
    try {
      if (existsSync(d) && statSync(d).isDirectory()) return d;
    } catch {
      // next
    }
  }
  return tmpdir();
}

/**
 * Whether there is room for VACUUM to rewrite a file of `size` bytes in `dataDir`: the temporary
 * copy (`size`) in SQLite's temp dir, and the rollback journal plus the rewritten file (`size`) in
 * the data dir; both on one volume when they share it. `why` says what is short.
 */
export function roomForVacuum(
  dataDir: string,
  size: number,
  tempDir = sqliteTempDir(),
  free: (dir: string) => number = freeBytes,
): { ok: boolean; why?: string } {
  const dev = (d: string) => statSync(d, { throwIfNoEntry: false })?.dev;
  const same = dev(dataDir) !== undefined && dev(dataDir) === dev(tempDir);
  const fData = free(dataDir);
  if (same) {
    if (fData < 2 * size)
      return { ok: false, why: `${fData} bytes free in ${dataDir} (also the temp dir), ${2 * size} needed` };
    return { ok: true };
  }
  if (fData < size) return { ok: false, why: `${fData} bytes free in ${dataDir}, ${size} needed` };
  const fTemp = free(tempDir);
  if (fTemp < size)
    return {
      ok: false,
      why: `${fTemp} bytes free in SQLite's temp dir ${tempDir}, ${size} needed (set SQLITE_TMPDIR)`,
    };
  return { ok: true };
}

/**
 * Give a store made with another page size (4 KiB, before core schema 3) the page size new
 * stores get (`pageSize`, db.ts PAGE_SIZE): a quiet site's commits then write 1 KiB frames
 * instead of 4 KiB ones (docs/performance.md "SD-card wear"). SQLite changes the page size of a
 * WAL database only by leaving WAL, VACUUM (a rewrite of the whole file, atomic through the
 * rollback journal) and going back to WAL.
 *
 * Done at most once, and only when it is cheap and safe: the file at most `maxBytes` (a
 * minute or less on an SD card) and room for VACUUM's temporary copy and journal (roomForVacuum).
 * Anything that stands in the way (another connection holding the file, a disk that refuses)
 * leaves the store as it was, in WAL mode, for the next open to try again. Start, end, duration,
 * a skip and its reason, and a failure are logged on `log`.
 * @returns the page size now in use.
 */
export function adoptPageSize(
  db: Database.Database,
  file: string,
  dataDir: string,
  pageSize: number,
  maxBytes = CONVERT_MAX_BYTES,
  log?: UpgradeLog,
): number {
  const current = db.pragma("page_size", { simple: true }) as number;
  if (current === pageSize || db.inTransaction) return current;
  const ctx = { file, from: current, to: pageSize };
  let size = 0;
  try {
    size = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  } catch (err) {
    log?.warn({ ...ctx, err: (err as Error).message }, "page-size conversion skipped: cannot size the store");
    return current;
  }
  if (size > maxBytes) {
    log?.info({ ...ctx, bytes: size, maxBytes }, "page-size conversion skipped: the store is too big");
    return current;
  }
  const room = roomForVacuum(dataDir, size);
  if (!room.ok) {
    log?.info({ ...ctx, bytes: size, why: room.why }, "page-size conversion skipped: not enough free space");
    return current;
  }
  const t0 = performance.now();
  log?.info({ ...ctx, bytes: size }, "page-size conversion started (a rewrite of the store, once)");
  try {
    db.pragma("journal_mode = DELETE");
    db.pragma(`page_size = ${pageSize}`);
    db.exec("VACUUM");
  } catch (err) {
    // busy (another connection), or the disk refused: the store stays as it was
    log?.warn(
      { ...ctx, err: (err as Error).message, code: (err as { code?: string }).code },
      "page-size conversion failed: the store stays as it was; the next start tries again",
    );
  } finally {
    db.pragma("journal_mode = WAL");
  }
  const now = db.pragma("page_size", { simple: true }) as number;
  if (now === pageSize)
    log?.info(
      { ...ctx, bytes: statSync(file).size, ms: Math.round(performance.now() - t0) },
      "page-size conversion done",
    );
  return now;
}
