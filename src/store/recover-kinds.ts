/**
 * The kinds dictionary after `store recover` (core schema 3): an outbox row names its gateway,
 * device and type only through `event_kinds` (event-kinds.ts), so a lost row of that table would
 * leave events that cannot be sent truthfully. Kinds missing from the table are restored from
 * their second copy in `meta`; events whose kind is lost from both are moved, unchanged, to the
 * table `events_stranded` (same columns): kept for a person, never sent under a guessed device
 * or type, and their kind numbers are never given to a new kind (EventKinds.nextKind).
 */
import type Database from "better-sqlite3";
import { COPY_PREFIX, mirrorEventKinds } from "./event-kinds.js";

export interface KindsRecovery {
  /** kinds put back into event_kinds from their copy in meta */
  restored: number;
  /** kind numbers events refer to that neither the table nor the copy describes */
  lostKinds: number[];
  /** events moved to events_stranded (their kind is lost), and their seq ranges [from, to] */
  stranded: number;
  strandedSeqs: [number, number][];
}

const has = (db: Database.Database, name: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/** Restore, copy and set aside in the recovered file `db` (see the module comment). */
export function recoverKinds(db: Database.Database): KindsRecovery {
  const none: KindsRecovery = { restored: 0, lostKinds: [], stranded: 0, strandedSeqs: [] };
  if (!has(db, "event_kinds") || !has(db, "events") || !has(db, "meta")) return none;
  const cols = (db.prepare("PRAGMA table_info(events)").all() as { name: string }[]).map((c) => c.name);
  if (!cols.includes("kind")) return none;
  return db.transaction((): KindsRecovery => {
    const restored = db
      .prepare(
        `INSERT OR IGNORE INTO event_kinds (kind, gw, device, type)
           SELECT CAST(substr(key, ${COPY_PREFIX.length + 1}) AS INTEGER),
                  json_extract(value, '$.gw'), json_extract(value, '$.device'), json_extract(value, '$.type')
             FROM meta
            WHERE key LIKE '${COPY_PREFIX}%' AND json_valid(value)
              AND json_type(value, '$.gw') = 'text' AND json_type(value, '$.device') = 'text'
              AND json_type(value, '$.type') = 'text'`,
      )
      .run().changes;
    mirrorEventKinds(db);
    const lostKinds = db
      .prepare(
        "SELECT DISTINCT kind FROM events WHERE kind NOT IN (SELECT kind FROM event_kinds) ORDER BY kind",
      )
      .pluck()
      .all() as number[];
    if (lostKinds.length === 0) return { ...none, restored };
    const seqs = db
      .prepare("SELECT seq FROM events WHERE kind NOT IN (SELECT kind FROM event_kinds) ORDER BY seq")
      .pluck()
      .all() as number[];
    const create = (
      db
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'")
        .pluck()
        .get() as string
    ).replace(/^CREATE TABLE\s+("?events"?)/i, "CREATE TABLE IF NOT EXISTS events_stranded");
    db.exec(create);
    db.exec(
      "INSERT OR IGNORE INTO events_stranded SELECT * FROM events WHERE kind NOT IN (SELECT kind FROM event_kinds)",
    );
    db.exec("DELETE FROM events WHERE kind NOT IN (SELECT kind FROM event_kinds)");
    const ranges: [number, number][] = [];
    for (const s of seqs) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] === s - 1) last[1] = s;
      else ranges.push([s, s]);
    }
    return { restored, lostKinds, stranded: seqs.length, strandedSeqs: ranges };
  })();
}
