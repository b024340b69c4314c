import { statfsSync } from "node:fs";
import { QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Db } from "./db.js";
import { fileBytes } from "./outbox.js";

export type DiskLevel = "ok" | "low" | "full";

export interface DiskPolicy {
  dataDir: string;
  dbFile: string;
  quotaMb: number;
  lowDiskMb: number;
}

/**
 * The disk watermark. `low`: free space under lowDiskMb, or the database near its quota (90%):
 * telemetry is refused and its buffer dropped. `full`: quota reached or under a quarter of the low
 * watermark free: business events are refused loudly (QH_STORE_FULL) rather than accepted and lost.
 * The quota is measured on `usedBytes` when given (live pages plus the WAL: see `usedBytes` in
 * outbox.ts), else on the files' sizes. `byDisk` and `byQuota` tell which limit decided.
 */
export function diskLevel(
  p: DiskPolicy & { usedBytes?: number },
  freeBytesOverride?: number,
): { level: DiskLevel; freeMb: number; dbMb: number; byDisk: DiskLevel; byQuota: DiskLevel } {
  let freeMb = Number.POSITIVE_INFINITY;
  if (freeBytesOverride !== undefined) freeMb = freeBytesOverride / 1048576;
  else {
    try {
      const s = statfsSync(p.dataDir);
      freeMb = (s.bavail * s.bsize) / 1048576;
    } catch {
      // unknown: assume fine
    }
  }
  const dbMb = (p.usedBytes ?? fileBytes(p.dbFile)) / 1048576;
  const byDisk: DiskLevel = freeMb < p.lowDiskMb / 4 ? "full" : freeMb < p.lowDiskMb ? "low" : "ok";
  const byQuota = quotaLevel(dbMb * 1048576, p.quotaMb);
  return { level: worse(byDisk, byQuota), freeMb, dbMb, byDisk, byQuota };
}

/** The quota's level for `bytes` used: full at the quota, low from 90% of it. */
export function quotaLevel(bytes: number, quotaMb: number): DiskLevel {
  const q = quotaMb * 1048576;
  return bytes >= q ? "full" : bytes > q * 0.9 ? "low" : "ok";
}

/** The worse of two levels. */
export function worse(a: DiskLevel, b: DiskLevel): DiskLevel {
  if (a === "full" || b === "full") return "full";
  return a === "low" || b === "low" ? "low" : "ok";
}

/** Free bytes on the file system holding `dir` (Infinity when unknown). */
export function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Whether an error is the disk refusing a write: SQLite's SQLITE_FULL or any SQLITE_IOERR_* (from
 * better-sqlite3's `SqliteError.code`), or the file system's ENOSPC, EDQUOT, EIO, EROFS.
 */
export function isDiskWriteFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    code === "SQLITE_FULL" ||
    code.startsWith("SQLITE_IOERR") ||
    code === "SQLITE_READONLY" ||
    code === "ENOSPC" ||
    code === "EDQUOT" ||
    code === "EIO" ||
    code === "EROFS"
  );
}

/**
 * The coded error for a write the disk refused: QH_STORE_FULL for a full disk (or quota),
 * QH_STORE_IO for an I/O error. `where` names the write path (e.g. "outbox marks").
 */
export function diskWriteError(err: unknown, where: string, dir?: string): QhError {
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  // SQLite reports a -shm or WAL file it cannot create or extend as an I/O error: ask the disk
  const full =
    code === "SQLITE_FULL" ||
    code === "ENOSPC" ||
    code === "EDQUOT" ||
    (dir !== undefined && freeBytes(dir) < 1048576);
  return new QhError(
    full ? "QH_STORE_FULL" : "QH_STORE_IO",
    `${where}: the store cannot write (${code}: ${(err as Error).message})`,
  );
}

/**
 * The store's write-failure state, one per open database: set by any write path that meets a
 * disk failure (`record`), cleared by the gateway once a probe write succeeds again. While set,
 * the gateway refuses telemetry and events and reports `store: disk full` (or `store: I/O error`).
 */
export class StoreFault {
  private fault: { error: QhError; where: string; since: number } | undefined;
  private readonly listeners: Array<(active: boolean) => void> = [];

  /** The data dir, to tell a full disk from an I/O error when SQLite reports SQLITE_IOERR. */
  dir?: string;

  /**
   * The space's refusal of business events while the store still writes (the free-space
   * watermark `store.lowDiskMb` or the quota): set by the StoreKeeper, read by flows that must
   * refuse before anything moves (a deposit). Side-effect free.
   */
  spaceRefusal?: () => QhError | undefined;

  constructor(public log?: Logger) {}

  /** The error every refused write answers while the fault lasts, or undefined. */
  get active(): QhError | undefined {
    return this.fault?.error;
  }

  /** `store: disk full` or `store: I/O error` while the fault lasts. */
  get reason(): string | undefined {
    if (!this.fault) return undefined;
    return this.fault.error.code === "QH_STORE_FULL" ? "store: disk full" : "store: I/O error";
  }

  /** Called on every change between faulty and healthy. */
  onChange(fn: (active: boolean) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Classify an error from a write. A disk failure is recorded (logged once per episode) and
   * returned as a coded QhError; anything else is returned unchanged.
   */
  record(err: unknown, where: string): unknown {
    if (!isDiskWriteFailure(err)) return err;
    const error = diskWriteError(err, where, this.dir);
    if (!this.fault) {
      this.fault = { error, where, since: Date.now() };
      this.log?.error(
        { code: error.code, where, err: (err as Error).message },
        "store cannot write: refusing telemetry and events until the disk takes writes again",
      );
      for (const l of this.listeners) l(true);
    }
    return error;
  }

  /** The disk takes writes again. */
  clear(): void {
    if (!this.fault) return;
    this.log?.warn(
      { where: this.fault.where, seconds: Math.round((Date.now() - this.fault.since) / 1000) },
      "store writes again: accepting telemetry and events",
    );
    this.fault = undefined;
    for (const l of this.listeners) l(false);
  }
}

const faults = new WeakMap<Db, StoreFault>();

/** The fault state of a database (created on first use; the gateway gives it a logger). */
export function storeFaultOf(db: Db, log?: Logger): StoreFault {
  let f = faults.get(db);
  if (!f) {
    f = new StoreFault(log);
    faults.set(db, f);
  } else if (log && !f.log) f.log = log;
  return f;
}

/**
 * Run a write; a disk failure is recorded on the database's StoreFault and thrown as a coded
 * QhError (QH_STORE_FULL or QH_STORE_IO). Other errors pass unchanged.
 */
export function guardWrite<T>(db: Db, where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storeFaultOf(db).record(err, where);
  }
}
