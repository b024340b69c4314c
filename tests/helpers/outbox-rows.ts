import type Database from "better-sqlite3";
import { Outbox, type OutboxRow } from "../../src/store/outbox.js";

/**
 * Every event in the store's outbox in seq order, with the envelope as the gateway sends it (built
 * from the stored row by the outbox, as the backlog and replay paths do).
 */
export function storedEvents(db: Database.Database, type?: string): OutboxRow[] {
  const rows = new Outbox(db).range(1, Number.MAX_SAFE_INTEGER, 1_000_000);
  return type === undefined ? rows : rows.filter((r) => r.type === type);
}

/** The envelopes of `storedEvents`, parsed. */
export function storedEnvelopes(db: Database.Database, type?: string): Record<string, unknown>[] {
  return storedEvents(db, type).map((r) => JSON.parse(r.body) as Record<string, unknown>);
}
