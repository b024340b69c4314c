import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Checkpointer, type CheckpointReply } from "../../../src/store/checkpointer.js";
import { type Db, openDatabase } from "../../../src/store/db.js";
import { tempDir } from "../../helpers/gateway.js";

/** The checkpointer worker: its own connection, PASSIVE only, on a real database file. */
describe("Checkpointer (worker thread)", () => {
  let dir: string;
  let db: Db;
  let cp: Checkpointer;
  let replies: CheckpointReply[];
  const file = () => join(dir, "quarterhour.db");
  const next = async (): Promise<CheckpointReply> => {
    const n = replies.length;
    while (replies.length === n) await new Promise((r) => setTimeout(r, 5));
    return replies[n]!;
  };
  const fill = (rows: number) => {
    const ins = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    db.transaction(() => {
      for (let i = 0; i < rows; i++) ins.run(`k${Math.random()}`, "v".repeat(2000));
    })();
  };

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase({ dataDir: dir, background: true });
    replies = [];
    cp = new Checkpointer(file(), (r) => replies.push(r));
  });
  afterEach(async () => {
    await cp.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("copies the WAL into the database file off the main thread; the next commit restarts the WAL", async () => {
    fill(400);
    const dbBefore = statSync(file()).size;
    const walBefore = statSync(`${file()}-wal`).size;
    cp.request();
    const r = await next();
    expect(r.error).toBeUndefined();
    expect(r.busy).toBe(false);
    expect(r.walFrames).toBeGreaterThan(100);
    expect(r.checkpointed).toBe(r.walFrames);
    expect(statSync(file()).size).toBeGreaterThan(dbBefore);
    // the WAL was fully backfilled: the main connection's next commit writes from its start again
    fill(1);
    fill(400);
    expect(statSync(`${file()}-wal`).size).toBeLessThanOrEqual(walBefore + 8 * 4096);
  });

  it("a reader's snapshot makes it busy without blocking the main thread's commits", async () => {
    fill(10);
    const reader = new Database(file(), { readonly: true });
    try {
      reader.exec("BEGIN");
      reader.prepare("SELECT count(*) FROM meta").get();
      fill(50); // frames past the reader's snapshot
      cp.request();
      fill(5); // commits go on while the worker works
      const r = await next();
      expect(r.busy).toBe(true);
      expect(r.checkpointed).toBeLessThan(r.walFrames!);
    } finally {
      reader.close();
    }
  });
});
