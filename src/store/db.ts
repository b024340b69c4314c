import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { QhError } from "../core/errors.js";
import { migrate } from "./migrate.js";
import { CORE_MIGRATIONS } from "./schema.js";

export type Db = Database.Database;

export interface OpenOptions {
  dataDir: string;
  /** FULL (default) survives power loss at commit; NORMAL survives a process crash only. */
  synchronous?: "FULL" | "NORMAL";
  readonly?: boolean;
}

export const DB_FILE = "quarterhour.db";

/**
 * Open (and migrate) the gateway database: WAL, synchronous=FULL by default so that a committed
 * event survives a power cut, busy_timeout so read-only CLI commands can read while the gateway
 * runs. Only the holder of the data dir's lock (src/store/lock.ts) opens it for writing.
 */
export function openDatabase(opts: OpenOptions): Db {
  const file = join(opts.dataDir, DB_FILE);
  let db: Db;
  try {
    mkdirSync(opts.dataDir, { recursive: true });
    db = new Database(file, { readonly: opts.readonly ?? false });
  } catch (err) {
    throw new QhError("QH_STORE_OPEN", `cannot open ${file}: ${(err as Error).message}`);
  }
  db.pragma("busy_timeout = 5000");
  if (!opts.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${opts.synchronous ?? "FULL"}`);
    db.pragma("foreign_keys = ON");
    // Checkpoint in bigger steps: fewer small writes to an SD card.
    db.pragma("wal_autocheckpoint = 4000");
    migrate(db, "core", CORE_MIGRATIONS);
  }
  return db;
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
