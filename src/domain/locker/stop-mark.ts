import type Database from "better-sqlite3";

/**
 * The locker's clean-stop mark (a `meta` row): set by LockerService.stop(), taken by start(). A
 * start that finds it knows the last run did not crash (a pickup code waiting for the event store
 * at the stop is reissued, and the log says why truthfully).
 */
const STOP_MARK = "locker_stopped_at";

/** Record that the locker stopped cleanly (best effort: a full disk leaves no mark). */
export function putStopMark(db: Database.Database, now: number): void {
  try {
    db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(STOP_MARK, String(now));
  } catch {
    // no meta table (an embedding's own database) or the disk refuses: the next start says "crash"
  }
}

/** Whether the last run stopped cleanly; the mark is removed (a crash after this start leaves none). */
export function takeStopMark(db: Database.Database): boolean {
  try {
    const found = db.prepare("SELECT 1 FROM meta WHERE key = ?").get(STOP_MARK) !== undefined;
    if (found) db.prepare("DELETE FROM meta WHERE key = ?").run(STOP_MARK);
    return found;
  } catch {
    return false;
  }
}
