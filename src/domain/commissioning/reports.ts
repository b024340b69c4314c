/**
 * Commissioning reports in SQLite (migration component "commissioning"): one row per door test,
 * written when it starts and again after every door, so a report survives a crash midway with
 * what it had measured (state "running" then, and never "done").
 *
 *   commissioning_reports(id, kind, bank, bus, model, state, started_at, ended_at, body JSON)
 */
import { QhError } from "../../core/errors.js";
import type { Db } from "../../store/db.js";
import { migrate } from "../../store/migrate.js";

export type DoorOutcome = "ok" | "jammed" | "sensor_fault" | "no_answer" | "skipped" | "cancelled";

/** One door's result (the door test's job result, and a line of the report). */
export interface DoorResult {
  /** 1-based position of the compartment in the bank's model */
  lock: number;
  compartment: string;
  /** the board's bus address and the lock on it */
  board: number;
  boardLock: number;
  outcome: DoorOutcome;
  /** pulse to first reading open, ms (monotonic clock; resolution: one door read, about 200 ms) */
  openedAfterMs?: number;
  /** first reading open to first reading shut, ms (monotonic clock) */
  closedAfterMs?: number;
  /** when the door's test began (wall clock, ISO 8601) */
  at: string;
  /** one line for people: what was seen, what was (not) done */
  detail: string;
}

export interface DoorTestReport {
  id: string;
  kind: "door-test";
  gateway: string;
  site: string;
  bank: string;
  bus: string;
  model: string;
  job: string;
  state: "running" | "done" | "failed" | "cancelled";
  startedAt: string;
  endedAt?: string;
  /** the wall clock was not synchronised while the test ran: its times may be off */
  clock?: "unsynced";
  options: { locks: number[]; chosen: boolean; openTimeoutS: number; closeTimeoutS: number };
  summary: Record<DoorOutcome, number>;
  doors: DoorResult[];
}

export interface ReportListItem {
  id: string;
  kind: string;
  bank: string;
  state: string;
  startedAt: string;
  endedAt?: string;
  summary: Record<DoorOutcome, number>;
}

const MIGRATIONS = [
  {
    version: 1,
    name: "commissioning reports",
    up: `CREATE TABLE commissioning_reports (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      bank TEXT NOT NULL,
      bus TEXT NOT NULL,
      model TEXT NOT NULL,
      state TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      body TEXT NOT NULL
    );
    CREATE INDEX commissioning_reports_started ON commissioning_reports (started_at);`,
  },
];

/** Counts of each outcome (every outcome present, 0 when none). */
export function summarize(doors: readonly DoorResult[]): Record<DoorOutcome, number> {
  const s: Record<DoorOutcome, number> = {
    ok: 0,
    jammed: 0,
    sensor_fault: 0,
    no_answer: 0,
    skipped: 0,
    cancelled: 0,
  };
  for (const d of doors) s[d.outcome]++;
  return s;
}

export class ReportStore {
  constructor(private readonly db: Db) {
    migrate(db, "commissioning", MIGRATIONS);
  }

  /** Inserts or replaces the report (its current state). Throws the store's coded errors. */
  save(r: DoorTestReport): void {
    this.db
      .prepare(
        `INSERT INTO commissioning_reports (id, kind, bank, bus, model, state, started_at, ended_at, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at, body = excluded.body`,
      )
      .run(
        r.id,
        r.kind,
        r.bank,
        r.bus,
        r.model,
        r.state,
        Date.parse(r.startedAt),
        r.endedAt ? Date.parse(r.endedAt) : null,
        JSON.stringify(r),
      );
  }

  /** @throws QhError QH_REPORT_UNKNOWN (404) */
  get(id: string): DoorTestReport {
    const row = this.db.prepare("SELECT body FROM commissioning_reports WHERE id = ?").get(id) as
      | { body: string }
      | undefined;
    if (!row) throw new QhError("QH_REPORT_UNKNOWN", `no commissioning report ${id}`, { report: id });
    return JSON.parse(row.body) as DoorTestReport;
  }

  /** The newest `limit` reports, newest first. */
  list(limit = 100): ReportListItem[] {
    const rows = this.db
      .prepare("SELECT body FROM commissioning_reports ORDER BY started_at DESC, id DESC LIMIT ?")
      .all(limit) as { body: string }[];
    return rows.map(({ body }) => {
      const r = JSON.parse(body) as DoorTestReport;
      return {
        id: r.id,
        kind: r.kind,
        bank: r.bank,
        state: r.state,
        startedAt: r.startedAt,
        ...(r.endedAt ? { endedAt: r.endedAt } : {}),
        summary: r.summary,
      };
    });
  }
}
