import type Database from "better-sqlite3";

/**
 * Versioned migrations, per component ("core", "locker", …). Each component keeps its own
 * version number in `schema_version`, so a domain package can ship its tables without touching
 * the core's. Migrations run in one transaction each and never run twice.
 */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Database.Database) => void);
}

export function migrate(db: Database.Database, component: string, migrations: readonly Migration[]): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const row = db.prepare("SELECT version FROM schema_version WHERE component = ?").get(component) as
    | { version: number }
    | undefined;
  let current = row?.version ?? 0;
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (m.version <= current) continue;
    db.transaction(() => {
      if (typeof m.up === "string") db.exec(m.up);
      else m.up(db);
      db.prepare(
        "INSERT INTO schema_version (component, version, applied_at) VALUES (?, ?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at",
      ).run(component, m.version, Date.now());
    })();
    current = m.version;
  }
  return current;
}
