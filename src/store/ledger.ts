import type { CommandResult } from "../core/command.js";
import { QhError } from "../core/errors.js";
import type { Db } from "./db.js";
import { storeFaultOf } from "./disk.js";

export type LedgerEntry =
  | { state: "started"; name: string; receivedAt: number }
  | { state: "done"; name: string; receivedAt: number; result: CommandResult };

/**
 * The command ledger, keyed by command id. A command is recorded as `started` (committed) before it
 * runs, and `done` with its result after. A repeated id is answered from here and never runs twice;
 * a `started` entry found after a crash means the outcome is unknown, and it is not run again
 * (a door must never be pulsed twice by a replayed command).
 */
export class Ledger {
  private readonly getStmt;
  private readonly beginStmt;
  private readonly finishStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare("SELECT name, received_at, state, result FROM commands WHERE id = ?");
    this.beginStmt = db.prepare(
      "INSERT INTO commands (id, name, received_at, state) VALUES (?, ?, ?, 'started') ON CONFLICT(id) DO NOTHING",
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

  /** Record the command as started. Returns false if the id was already in the ledger. */
  begin(id: string, name: string, at: number): boolean {
    return this.beginStmt.run(id, name, at).changes === 1;
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

  /** Forget entries older than the cutoff (the platform will not resend them). */
  prune(before: number): number {
    return this.db.prepare("DELETE FROM commands WHERE received_at < ?").run(before).changes;
  }
}
