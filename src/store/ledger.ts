import type { CommandResult } from "../core/command.js";
import { QhError } from "../core/errors.js";
import type { Db } from "./db.js";
import { storeFaultOf } from "./disk.js";
import { migrate } from "./migrate.js";

/** The ledger keeps a command id at least this long (30 days), or the event retention if longer. */
export const LEDGER_MIN_KEEP_MS = 30 * 86_400_000;

/**
 * How long the ledger keeps a command id after it was received (ms): the event retention
 * (`store.retentionDays`), at least 30 days; and in any case until the command has expired
 * (Ledger.prune), so that a replay after the pruning finds it expired and never runs it again.
 */
export function ledgerKeepMs(retentionDays: number): number {
  return Math.max(retentionDays * 86_400_000, LEDGER_MIN_KEEP_MS);
}

/** The ledger's own columns on the core `commands` table (component "ledger"). */
const LEDGER_MIGRATIONS = [
  { version: 1, name: "commands.expires_at", up: "ALTER TABLE commands ADD COLUMN expires_at INTEGER" },
];

export type LedgerEntry =
  | { state: "started"; name: string; receivedAt: number }
  | { state: "done"; name: string; receivedAt: number; result: CommandResult };

/**
 * The command ledger, keyed by command id. A command is recorded as `started` (committed) before it
 * runs, and `done` with its result after. A repeated id is answered from here and never runs twice;
 * a `started` entry found after a crash means the outcome is unknown, and it is not run again
 * (a door must never be pulsed twice by a replayed command). An id is kept until its command has
 * expired (`expires_at`, ledger schema 1), however old: a signed command replayed unchanged after
 * the pruning is then `expired`, never run again.
 */
export class Ledger {
  private readonly getStmt;
  private readonly beginStmt;
  private readonly finishStmt;

  constructor(private readonly db: Db) {
    migrate(db, "ledger", LEDGER_MIGRATIONS);
    this.getStmt = db.prepare("SELECT name, received_at, state, result FROM commands WHERE id = ?");
    this.beginStmt = db.prepare(
      "INSERT INTO commands (id, name, received_at, state, expires_at) VALUES (?, ?, ?, 'started', ?) ON CONFLICT(id) DO NOTHING",
    );
    this.finishStmt = db.prepare("UPDATE commands SET state = 'done', result = ? WHERE id = ?");
  }

  get(id: string): LedgerEntry | undefined {
    const r = this.getStmt.get(id) as
      | { name: string; received_at: number; state: string; result: string | null }
      | undefined;
    if (!r) return undefined;
    if (r.state === "done" && r.result) {
      return { state: "done", name: r.name, receivedAt: r.received_at, result: JSON.parse(r.result) };
    }
    return { state: "started", name: r.name, receivedAt: r.received_at };
  }

  /**
   * Record the command as started, received at `at`, expiring at `expiresAt` (epoch ms; the id is
   * kept at least until then). Returns false if the id was already in the ledger.
   */
  begin(id: string, name: string, at: number, expiresAt?: number): boolean {
    return this.beginStmt.run(id, name, at, expiresAt ?? null).changes === 1;
  }

  /**
   * A ledger write's failure as a coded error: a disk failure is recorded on the store's fault state
   * (QH_STORE_FULL or QH_STORE_IO); anything else is QH_INTERNAL.
   */
  storeError(err: unknown): QhError {
    const e = storeFaultOf(this.db).record(err, "command ledger");
    return e instanceof QhError ? e : new QhError("QH_INTERNAL", (err as Error).message);
  }

  finish(id: string, result: CommandResult): void {
    this.finishStmt.run(JSON.stringify(result), id);
  }

  /**
   * Forget entries received before `before` whose command has expired by `now` (epoch ms; an
   * entry without an expiry, from before ledger schema 1, goes by `before` alone). A command still
   * valid is never forgotten: its bytes replayed would otherwise run again.
   */
  prune(before: number, now: number = before): number {
    return this.db
      .prepare("DELETE FROM commands WHERE received_at < ? AND (expires_at IS NULL OR expires_at <= ?)")
      .run(before, now).changes;
  }
}
