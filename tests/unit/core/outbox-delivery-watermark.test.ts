import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { newId } from "../../../src/core/ids.js";
import { checkpoint } from "../../../src/store/db.js";
import { migrate } from "../../../src/store/migrate.js";
import { Outbox } from "../../../src/store/outbox.js";
import { CORE_MIGRATIONS } from "../../../src/store/schema.js";
import { tempDir } from "../../helpers/gateway.js";
import { useTempDb } from "../../helpers/temp-db.js";

const insert = (o: Outbox, from: number, to: number, pad = "") => {
  for (let s = from; s <= to; s++) o.insert("g", s, newId(), s, "d", "t", `{"seq":${s},"p":"${pad}"}`);
};

/** Delivery as a watermark: one small row per advance instead of rewriting every delivered row. */
describe("outbox delivery watermark", () => {
  const t = useTempDb();

  it("advances in order without touching the rows, marks out-of-order ranges per row, then jumps", () => {
    const o = new Outbox(t.db);
    insert(o, 1, 10);
    expect(o.markDelivered([[1, 3]], 100)).toBe(3);
    expect(o.deliveredUpTo).toBe(3);
    expect(t.db.prepare("SELECT count(*) FROM events WHERE delivered_at IS NOT NULL").pluck().get()).toBe(0);
    expect(o.minPending()).toBe(4);

    // the live lane acknowledged above a gap: those rows are marked one by one
    expect(o.markDelivered([[6, 7]], 101)).toBe(2);
    expect(o.deliveredUpTo).toBe(3);
    expect(o.pendingPage(1, 10, 100).map((r) => r.seq)).toEqual([4, 5, 8, 9, 10]);
    expect(o.stats().pending).toBe(5);

    // the gap closes: the watermark passes the rows marked earlier
    expect(o.markDelivered([[4, 5]], 102)).toBe(2);
    expect(o.deliveredUpTo).toBe(7);
    expect(o.minPending()).toBe(8);
    expect(o.stats()).toMatchObject({ pending: 3, delivered: 7 });

    // it survives a restart
    t.reopen();
    const again = new Outbox(t.db);
    expect(again.deliveredUpTo).toBe(7);
    expect(again.pendingPage(1, 10, 100).map((r) => r.seq)).toEqual([8, 9, 10]);
  });

  it("retention deletes up to the watermark as it stood at the cutoff, never a pending row", () => {
    const o = new Outbox(t.db);
    insert(o, 1, 6);
    o.markDelivered([[1, 2]], 1_000);
    o.markDelivered([[3, 4]], 5_000);
    expect(o.prune(2_000)).toBe(2); // delivered before 2,000: seq 1-2
    expect(o.range(1, 10, 100).map((r) => r.seq)).toEqual([3, 4, 5, 6]);
    expect(o.prune(10_000)).toBe(2); // 3-4; 5 and 6 are pending
    expect(o.range(1, 10, 100).map((r) => r.seq)).toEqual([5, 6]);
    expect(o.deliveredUpTo).toBe(4);
    expect(new Outbox(t.db).deliveredUpTo).toBe(4); // the newest mark stays
  });

  it("marking a thousand events delivered in order writes a page or two, not the rows again", () => {
    const o = new Outbox(t.db);
    t.db.transaction(() => insert(o, 1, 1000, "x".repeat(200)))();
    checkpoint(t.db, "TRUNCATE");
    o.markDelivered([[1, 1000]], 1);
    const wal = statSync(join(t.dir, "quarterhour.db-wal")).size;
    // before: every page of the 1,000 rows (about 60 pages) went through the WAL again
    expect(wal).toBeLessThanOrEqual(32 + 3 * (4096 + 24));
  });

  it("a version-1 database keeps its pending events pending across the migration", () => {
    const dir = tempDir();
    const db = new Database(join(dir, "quarterhour.db"));
    try {
      migrate(db, "core", [CORE_MIGRATIONS[0]!]);
      const ins = db.prepare(
        "INSERT INTO events (seq, id, ts, device, type, body, delivered_at) VALUES (?, ?, 1, 'd', 't', '{}', ?)",
      );
      ins.run(1, "a", 50);
      ins.run(2, "b", null);
      migrate(db, "core", CORE_MIGRATIONS);
      const o = new Outbox(db);
      expect(o.deliveredUpTo).toBe(1);
      expect(o.minPending()).toBe(2);
      expect(o.stats()).toMatchObject({ pending: 1, delivered: 1 });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
