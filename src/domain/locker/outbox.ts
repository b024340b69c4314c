import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { EventSink, JsonObject } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import { guardWrite, storeFaultOf } from "../../store/disk.js";

/** An event decided inside a state transition. `secret` fields are sent but never stored at rest. */
export interface PendingEvent {
  device: string;
  type: string;
  data: JsonObject;
  ts: number;
  secret?: JsonObject;
}

/** Collects what a transition decides: events (stored with it) and work to do once they are durable. */
export class Outcome {
  readonly events: PendingEvent[] = [];
  readonly later: Array<() => void | Promise<void>> = [];

  constructor(readonly now: number) {}

  emit(
    device: string,
    type: string,
    data: JsonObject,
    opts: { ts?: number; secret?: JsonObject } = {},
  ): void {
    this.events.push({ device, type, data, ts: opts.ts ?? this.now, secret: opts.secret });
  }

  /** Run after the transaction committed and its events went through EventSink.emit. */
  afterwards(fn: () => void | Promise<void>): void {
    this.later.push(fn);
  }
}

interface OutboxRow {
  id: number;
  device: string;
  type: string;
  data: string;
  ts: number;
  has_secret: number;
}

/**
 * Called for a stored event whose secret part was lost with the process (a crash between the
 * commit and the emit). Runs inside a transaction; returns the secret to send, or undefined.
 */
export type SecretRecovery = (event: PendingEvent) => JsonObject | undefined;

/**
 * The locker's transactional outbox. A state change and the events describing it commit in one
 * SQLite transaction; then each event goes to EventSink.emit (called synchronously, in commit
 * order) and its outbox row is deleted once the sink says it is durable. Rows left over by a crash
 * or a refused emit are sent again by `flush()` (on start and on every sweep): at-least-once, with
 * business ids (parcelId, …) in every payload for the platform to recognise a repeat.
 */
export class Announcer {
  private readonly insert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly pending: Database.Statement;
  private readonly inFlight = new Set<number>();
  /** Secrets of rows not yet durable, kept in memory only. */
  private readonly secrets = new Map<number, JsonObject>();
  private readonly recoveries = new Map<string, SecretRecovery>();
  /** Rows the event store took whose deletion the disk refused: deleted later, never sent again. */
  private readonly taken = new Set<number>();
  /** Rows the event store refused, waiting for the next flush (for /health and metrics). */
  private readonly refused = new Set<number>();
  /** When the "events wait" warning may be logged again (one line per minute at most). */
  private quietUntil = 0;
  afterCommit: () => void = () => {};

  constructor(
    private readonly db: Database.Database,
    private readonly sink: EventSink,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** the outbox table (same columns as locker_outbox): the cold chain keeps its own, cold_outbox */
    private readonly table = "locker_outbox",
    /** on the disk: what was committed before the call (default: at once, FULL commits) */
    private readonly durable?: () => Promise<void>,
  ) {
    this.insert = db.prepare(
      `INSERT INTO ${table} (device, type, data, ts, has_secret) VALUES (?, ?, ?, ?, ?)`,
    );
    this.remove = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
    this.pending = db.prepare(`SELECT * FROM ${table} ORDER BY id`);
  }

  onLostSecret(type: string, recovery: SecretRecovery): void {
    this.recoveries.set(type, recovery);
  }

  /**
   * Run `fn` in a transaction with the events it decides; resolve once every event is durable in
   * the EventSink and the follow-up work has run. The transaction and the emit calls happen
   * synchronously, before this returns its promise, so events leave in commit order. If an emit
   * is refused, the follow-up still runs (the state is committed, the row will be sent again) and
   * the promise rejects with the sink's error. With a `durable` barrier (background fsync) the
   * transaction itself is waited for too, events or none: an answer reports a state on the disk.
   */
  async commit<T>(fn: (out: Outcome) => T): Promise<T> {
    const out = new Outcome(this.clock.now());
    const rows: Array<{ id: number; event: PendingEvent }> = [];
    // A disk that refuses the write: a coded QH_STORE_FULL / QH_STORE_IO (nothing of it committed)
    const result = guardWrite(this.db, "locker state", () =>
      this.db.transaction(() => {
        const r = fn(out);
        for (const e of out.events) {
          const info = this.insert.run(e.device, e.type, JSON.stringify(e.data), e.ts, e.secret ? 1 : 0);
          rows.push({ id: Number(info.lastInsertRowid), event: e });
        }
        return r;
      })(),
    );
    this.afterCommit();
    const sends = rows.map((r) => {
      if (r.event.secret) this.secrets.set(r.id, r.event.secret);
      return this.send(r.id, r.event);
    });
    if (this.durable) sends.push(this.durable());
    const settled = await Promise.allSettled(sends);
    for (const f of out.later) {
      try {
        await f();
      } catch (err) {
        this.log.error({ err }, "locker follow-up failed");
      }
    }
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    return result;
  }

  /** Send again what a crash or a refused emit left in the outbox. Never throws. */
  async flush(): Promise<void> {
    this.removeTaken();
    const rows = (this.pending.all() as OutboxRow[]).filter(
      (r) => !this.inFlight.has(r.id) && !this.taken.has(r.id),
    );
    const sends: Promise<void>[] = [];
    for (const row of rows) {
      const event: PendingEvent = {
        device: row.device,
        type: row.type,
        data: JSON.parse(row.data),
        ts: row.ts,
      };
      if (row.has_secret === 1) {
        let secret = this.secrets.get(row.id);
        if (!secret) {
          const recovery = this.recoveries.get(row.type);
          secret = recovery ? this.db.transaction(() => recovery(event))() : undefined;
          if (secret) this.secrets.set(row.id, secret);
        }
        event.secret = secret;
      }
      sends.push(this.send(row.id, event));
    }
    const settled = await Promise.allSettled(sends);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) this.warnWaiting(failed.reason);
    else if (rows.length > 0 && this.quietUntil > 0) {
      this.quietUntil = 0;
      this.log.info({ table: this.table }, "waiting events taken by the event store again");
    }
  }

  /** Rows in the outbox: committed with their state change, not yet taken by the event store. */
  pendingCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${this.table}`).get() as { n: number }).n;
  }

  /** Waiting rows whose secret (a pickup code) is in memory only. */
  waitingSecrets(): number {
    return (
      this.db.prepare(`SELECT count(*) AS n FROM ${this.table} WHERE has_secret = 1`).get() as { n: number }
    ).n;
  }

  /** Rows the event store refused (a full store, the watermark): they wait for the next flush. */
  waitingCount(): number {
    return this.refused.size;
  }

  /** One warning per minute at most while events wait: the code and message, no stack. */
  private warnWaiting(err: unknown): void {
    const now = Date.now();
    if (now < this.quietUntil) return;
    this.quietUntil = now + 60_000;
    this.log.warn(
      {
        table: this.table,
        waiting: this.refused.size,
        code: (err as { code?: unknown })?.code,
        err: (err as Error)?.message,
      },
      "events wait in the outbox: the event store refused them; retried every sweep (this line at most once a minute)",
    );
  }

  private removeTaken(): void {
    for (const id of [...this.taken]) {
      try {
        this.remove.run(id);
        this.taken.delete(id);
      } catch (err) {
        if (storeFaultOf(this.db).record(err, "locker outbox") === err) throw err;
        return;
      }
    }
  }

  private send(id: number, e: PendingEvent): Promise<void> {
    this.inFlight.add(id);
    let p: Promise<unknown>;
    try {
      p = this.sink.emit({ device: e.device, type: e.type, data: { ...e.data, ...e.secret }, ts: e.ts });
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(
      () => {
        this.inFlight.delete(id);
        this.refused.delete(id);
        this.secrets.delete(id);
        try {
          this.remove.run(id);
        } catch (err) {
          // durable in the event store: the row is deleted later and never sent again (a
          // duplicate only if the process dies before that: at-least-once)
          this.taken.add(id);
          if (storeFaultOf(this.db).record(err, "locker outbox") === err) throw err;
        }
      },
      (err: unknown) => {
        this.inFlight.delete(id);
        this.refused.add(id);
        this.warnWaiting(err);
        throw err;
      },
    );
  }
}
