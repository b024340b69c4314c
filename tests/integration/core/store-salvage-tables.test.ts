/**
 * Row salvage (src/store/salvage.ts) on real SQLite files with one damaged leaf page, for the
 * table kinds the stores hold: rowid tables with and without an INTEGER PRIMARY KEY, and the
 * locker's WITHOUT ROWID tables. The rows on the damaged page are lost; all others come back.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { salvageTable } from "../../../src/store/salvage.js";
import { tempDir } from "../../helpers/gateway.js";
import { PAGE, writeBytes } from "../../helpers/store-files.js";

const dir = tempDir("qh-salvage-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KINDS: [string, string, (i: number) => unknown[]][] = [
  ["integer primary key", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)", (i) => [i, `v${i}`]],
  ["plain rowid", "CREATE TABLE t (k TEXT, v TEXT)", (i) => [`k${i}`, `v${i}`]],
  [
    "WITHOUT ROWID, text key",
    "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID",
    (i) => [`k${String(i).padStart(6, "0")}`, `v${i}`],
  ],
];

describe.each(KINDS)("a %s table with one damaged leaf page", (name, ddl, row) => {
  it("salvages every row but those on the damaged page", () => {
    const N = 4000;
    const file = join(dir, `${name.replace(/\W+/g, "-")}.db`);
    const db = new Database(file);
    db.exec(ddl);
    const cols = (db.pragma("table_info(t)") as { name: string }[]).map((c) => c.name);
    const ins = db.prepare(`INSERT INTO t (${cols.join(",")}) VALUES (${cols.map(() => "?").join(",")})`);
    db.transaction(() => {
      for (let i = 1; i <= N; i++) ins.run(...row(i).map((v, c) => (c === 1 ? `${v}${"x".repeat(100)}` : v)));
    })();
    const leaves = db
      .prepare("SELECT pageno FROM dbstat WHERE name = 't' AND pagetype = 'leaf' ORDER BY pageno")
      .pluck()
      .all() as number[];
    db.close();
    expect(leaves.length).toBeGreaterThan(10);
    writeBytes(file, (leaves[Math.floor(leaves.length / 2)]! - 1) * PAGE, Buffer.alloc(PAGE, 0x5a));

    const src = new Database(file, { readonly: true });
    expect(() => src.prepare("SELECT count(*) FROM t").get()).toThrow(/malformed/);
    const dst = new Database(":memory:");
    dst.exec(ddl);
    const r = salvageTable(src, dst, "t", /WITHOUT ROWID/.test(ddl));
    src.close();
    const got = dst.prepare("SELECT count(*) FROM t").pluck().get() as number;
    expect(got).toBe(r.rows);
    expect(got).toBeLessThan(N);
    expect(got).toBeGreaterThan(N - 60); // one 4 KB page holds ~30 of these rows
    expect(r.failedReads).toBeGreaterThan(0);
    // the first and the last rows are there: the scan went past the damage
    expect(
      dst.prepare(`SELECT count(*) FROM t WHERE ${cols[0]} IN (?, ?)`).pluck().get(row(1)[0], row(N)[0]),
    ).toBe(2);
    dst.close();
  });
});
