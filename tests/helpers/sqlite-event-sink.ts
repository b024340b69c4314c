/**
 * A minimal EventSink for tests: each event is committed into its own SQLite file (a temp dir)
 * before emit resolves, so "awaited emit" means what it means in the gateway: durable. The real
 * ingest (group commit, seq across restarts, the forwarder) is tested with the pipeline; this one
 * keeps the domain tests about the domain. `refuse()` makes it reject, like a full disk.
 */
import Database from "better-sqlite3";
import type { AcceptedEvent, EventEnvelope, EventInput, EventSink } from "../../src/core/envelope.js";
import { EVENT_TYPE_RE } from "../../src/core/envelope.js";
import { QhError } from "../../src/core/errors.js";
import { newId } from "../../src/core/ids.js";

export class SqliteEventSink implements EventSink {
  readonly db: Database.Database;
  private refusal: Error | undefined;

  constructor(
    readonly file: string,
    private readonly gw = "gw-test",
  ) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS events (
         seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, ts TEXT NOT NULL,
         device TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL)`,
    );
  }

  async emit(input: EventInput): Promise<AcceptedEvent> {
    if (!EVENT_TYPE_RE.test(input.type))
      throw new QhError("QH_EVENT_INVALID", `bad event type ${input.type}`);
    // Commit on a later turn, as ingest does (group commit), so callers really wait.
    await new Promise((r) => setImmediate(r));
    if (this.refusal) throw this.refusal;
    const id = newId();
    const ts = new Date(input.ts ?? Date.now()).toISOString();
    const info = this.db
      .prepare("INSERT INTO events (id, ts, device, type, data) VALUES (?, ?, ?, ?, ?)")
      .run(id, ts, input.device, input.type, JSON.stringify(input.data));
    return { id, seq: Number(info.lastInsertRowid) };
  }

  /** Reject every emit (QH_STORE_FULL) until accept(). */
  refuse(err: Error = new QhError("QH_STORE_FULL", "test: event store refuses")): void {
    this.refusal = err;
  }

  accept(): void {
    this.refusal = undefined;
  }

  /** Committed events in seq order, optionally of one type. */
  events(type?: string): EventEnvelope[] {
    const rows = (
      type === undefined
        ? this.db.prepare("SELECT * FROM events ORDER BY seq").all()
        : this.db.prepare("SELECT * FROM events WHERE type = ? ORDER BY seq").all(type)
    ) as Array<{ seq: number; id: string; ts: string; device: string; type: string; data: string }>;
    return rows.map((r) => ({ ...r, gw: this.gw, data: JSON.parse(r.data) }));
  }

  types(): string[] {
    return this.events().map((e) => e.type);
  }

  close(): void {
    this.db.close();
  }
}
