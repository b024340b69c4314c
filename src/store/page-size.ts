import { statSync } from "node:fs";
import type Database from "better-sqlite3";
import { freeBytes } from "./disk.js";

/** Stores up to this size get the new page size at open (a rewrite of about this much, once). */
export const CONVERT_MAX_BYTES = 256 * 1048576;

/**
 * Give a store made with another page size (4 KiB, before core schema 3) the page size new
 * stores get (`pageSize`, db.ts PAGE_SIZE): a quiet site's commits then write 1 KiB frames
 * instead of 4 KiB ones (docs/performance.md "SD-card wear"). SQLite changes the page size of a
 * WAL database only by leaving WAL, VACUUM (a rewrite of the whole file, atomic through the
 * rollback journal) and going back to WAL.
 *
 * Done at most once, and only when it is cheap and safe: the file at most `maxBytes` (a
 * minute or less on an SD card) and at least twice its size free on the volume (VACUUM's copy and
 * its journal). Anything that stands in the way (another connection holding the file, a disk
 * that refuses) leaves the store as it was, in WAL mode, for the next open to try again.
 * @returns the page size now in use.
 */
export function adoptPageSize(
  db: Database.Database,
  file: string,
  dataDir: string,
  pageSize: number,
  maxBytes = CONVERT_MAX_BYTES,
): number {
  const current = db.pragma("page_size", { simple: true }) as number;
  if (current === pageSize || db.inTransaction) return current;
  let size = 0;
  try {
    size = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  } catch {
    return current;
  }
  if (size > maxBytes || freeBytes(dataDir) < 2 * size) return current;
  try {
    db.pragma("journal_mode = DELETE");
    db.pragma(`page_size = ${pageSize}`);
    db.exec("VACUUM");
  } catch {
    // busy (another connection), or the disk refused: the store stays as it was
  } finally {
    db.pragma("journal_mode = WAL");
  }
  return db.pragma("page_size", { simple: true }) as number;
}
