/**
 * Row salvage from a damaged SQLite file, with better-sqlite3 only (the sqlite3 shell's `.recover`
 * needs the dbpage virtual table, which better-sqlite3's build does not include).
 *
 * A table is read in key order in chunks; where a read fails (SQLITE_CORRUPT on a damaged page or
 * record) it goes row by row up to the damage, then probes forward (1, 2, 4, … keys past the last
 * good row, then bisects) for the first key it can seek to again: a b-tree seek descends from the
 * root, so a damaged leaf costs only the rows on it. WITHOUT ROWID tables (no integer key to probe)
 * are read forwards up to the damage and then backwards from the end.
 */
import type Database from "better-sqlite3";

type Row = Record<string, unknown>;

export interface TableSalvage {
  name: string;
  rows: number;
  /** rows that could not be read or written (exact for rowid tables' skipped rows only when known) */
  failedReads: number;
  /** rowid ranges skipped as unreadable, [from, to] inclusive (rowid tables) */
  skipped: [number, number][];
}

const CHUNK = 256;
const MIN_KEY = -Number.MAX_SAFE_INTEGER;
const MAX_KEY = Number.MAX_SAFE_INTEGER;

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface ColumnInfo {
  name: string;
  type: string;
  pk: number;
}

function columns(src: Database.Database, table: string): ColumnInfo[] {
  return src.prepare(`PRAGMA table_info(${q(table)})`).all() as ColumnInfo[];
}

/** Copy every readable row of `table` from `src` into the same (already created) table in `dst`. */
export function salvageTable(
  src: Database.Database,
  dst: Database.Database,
  table: string,
  withoutRowid: boolean,
): TableSalvage {
  const cols = columns(src, table);
  const pkCols = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  // an INTEGER PRIMARY KEY is the rowid itself; other rowid tables keep their rowid explicitly
  const rowidAlias = pkCols.length === 1 && pkCols[0]!.type.toUpperCase() === "INTEGER";
  const names = cols.map((c) => c.name);
  const keepRowid = !withoutRowid && !rowidAlias && !names.some((n) => /^(rowid|_rowid_|oid)$/i.test(n));
  const insCols = keepRowid ? ["rowid", ...names] : names;
  const ins = dst.prepare(
    `INSERT OR IGNORE INTO ${q(table)} (${insCols.map(q).join(", ")}) VALUES (${insCols.map(() => "?").join(", ")})`,
  );
  const result: TableSalvage = { name: table, rows: 0, failedReads: 0, skipped: [] };
  const put = (rows: Row[]) => {
    dst.transaction(() => {
      for (const r of rows) {
        try {
          result.rows += ins.run(...insCols.map((c) => (c === "rowid" ? r.__qh_rowid : r[c]))).changes;
        } catch {
          result.failedReads++;
        }
      }
    })();
  };
  if (withoutRowid) salvageByKeyOrder(src, table, pkCols.length ? pkCols : cols, put, result);
  else salvageByRowid(src, table, put, result);
  return result;
}

function salvageByRowid(
  src: Database.Database,
  table: string,
  put: (rows: Row[]) => void,
  result: TableSalvage,
): void {
  const sel = src.prepare(
    `SELECT rowid AS __qh_rowid, * FROM ${q(table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  const readable = (after: number): Row[] | undefined => {
    try {
      return sel.all(after, 1) as Row[];
    } catch {
      return undefined;
    }
  };
  let last = MIN_KEY;
  let limit = CHUNK;
  for (;;) {
    let rows: Row[];
    try {
      rows = sel.all(last, limit) as Row[];
    } catch {
      if (limit > 1) {
        limit = 1; // row by row up to the damage
        continue;
      }
      // the row after `last` cannot be read: find the first key after it that can be
      const good = firstReadableAfter(last, readable);
      if (good === undefined) {
        result.skipped.push([last + 1, MAX_KEY]);
        result.failedReads++;
        return;
      }
      result.skipped.push([last + 1, good]);
      result.failedReads++;
      last = good;
      limit = CHUNK;
      continue;
    }
    // a damaged page can read "successfully" as garbage: keys must keep growing, or it is damage
    const n = rows.length;
    let good = 0;
    while (
      good < n &&
      (rows[good]!.__qh_rowid as number) > (good ? (rows[good - 1]!.__qh_rowid as number) : last)
    )
      good++;
    put(rows.slice(0, good));
    if (good > 0) last = rows[good - 1]!.__qh_rowid as number;
    if (good < n) {
      const good2 = firstReadableAfter(last, readable);
      result.failedReads++;
      if (good2 === undefined) return;
      result.skipped.push([last + 1, good2]);
      last = good2;
      limit = CHUNK;
      continue;
    }
    if (n < limit && limit === CHUNK) return;
    if (n === 0) return;
    limit = CHUNK;
  }
}

/** The smallest key k > last such that reading after k works: doubling steps, then bisection. */
function firstReadableAfter(last: number, readable: (after: number) => unknown): number | undefined {
  let step = 1;
  let bad = last;
  let good: number | undefined;
  while (last + step < MAX_KEY) {
    if (readable(last + step)) {
      good = last + step;
      break;
    }
    bad = last + step;
    step *= 2;
  }
  if (good === undefined) return undefined;
  while (good - bad > 1) {
    const mid: number = bad + Math.floor((good - bad) / 2);
    if (readable(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

function salvageByKeyOrder(
  src: Database.Database,
  table: string,
  keyCols: ColumnInfo[],
  put: (rows: Row[]) => void,
  result: TableSalvage,
): void {
  for (const dir of ["ASC", "DESC"]) {
    const order = keyCols.map((c) => `${q(c.name)} ${dir}`).join(", ");
    const batch: Row[] = [];
    try {
      for (const r of src.prepare(`SELECT * FROM ${q(table)} ORDER BY ${order}`).iterate() as Iterable<Row>) {
        batch.push(r);
        if (batch.length >= CHUNK) put(batch.splice(0));
      }
      put(batch);
      return; // read to the end without damage
    } catch {
      put(batch);
      if (dir === "DESC") result.failedReads++;
    }
  }
}
