import { copyFileSync, fstatSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { type Db, openDatabase } from "../../../src/store/db.js";
import { storeFaultOf } from "../../../src/store/disk.js";
import { WalSync } from "../../../src/store/wal-sync.js";
import { tempDir } from "../../helpers/gateway.js";
import { HeldSync } from "../../helpers/held-sync.js";

/** WalSync on a real database in WAL mode (synchronous=NORMAL), its fdatasync held by the test. */
describe("WalSync: the group fdatasync of the WAL", () => {
  let dir: string;
  let db: Db;
  let sync: HeldSync;
  let ws: WalSync;
  const file = () => join(dir, "quarterhour.db");
  const write = (v: string) =>
    db
      .prepare(
        "INSERT INTO meta (key, value) VALUES ('t', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(v);

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase({ dataDir: dir, background: true });
    sync = new HeldSync();
    sync.holding = true;
    ws = new WalSync({ db, dbFile: file(), sync: sync.fn, idleMs: 0 });
  });
  afterEach(() => {
    sync.holding = false;
    sync.release();
    ws.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("opens the store with synchronous=NORMAL and no autocheckpoint: commits do not fsync on the loop", () => {
    expect(db.pragma("synchronous", { simple: true })).toBe(1);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  });

  it("a wait registered while a sync is in flight is released only by the next one", () => {
    const order: string[] = [];
    write("a");
    ws.whenDurable((err) => order.push(`a:${err ?? "ok"}`));
    expect(sync.waiting).toHaveLength(1);
    write("b");
    ws.whenDurable((err) => order.push(`b:${err ?? "ok"}`));
    ws.whenDurable((err) => order.push(`c:${err ?? "ok"}`));
    expect(sync.waiting).toHaveLength(1); // b and c wait for the next one, not a second in parallel
    const first = sync.waiting[0]!;
    sync.waiting = [];
    first.done(null);
    expect(order).toEqual(["a:ok"]);
    // the next sync started at once, for b and c together (the group)
    expect(sync.waiting).toHaveLength(1);
    sync.release();
    return new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (order.length === 3) {
          clearInterval(t);
          expect(order).toEqual(["a:ok", "b:ok", "c:ok"]);
          expect(ws.stats.syncs).toBe(2);
          resolve();
        }
      }, 5);
    });
  });

  it("syncs the file the WAL path names: a recreated WAL (new inode) is reopened", () => {
    write("a");
    const wal = `${file()}-wal`;
    const before = statSync(wal).ino;
    // an outside hand replaces the file: same name, another inode
    renameSync(wal, `${wal}.old`);
    write("b"); // SQLite still writes to its descriptor (the old inode)...
    copyFileSync(`${wal}.old`, wal);
    expect(statSync(wal).ino).not.toBe(before);
    ws.whenDurable(() => {});
    expect(sync.waiting).toHaveLength(1);
    expect(fstatSync(sync.waiting[0]!.fd).ino).toBe(statSync(wal).ino);
  });

  it("a recreated WAL's directory entry is synced before its first sync releases anyone, once", () => {
    const dirs: Array<{ dir: string; done: (err: NodeJS.ErrnoException | null) => void }> = [];
    ws.close();
    ws = new WalSync({
      db,
      dbFile: file(),
      sync: sync.fn,
      idleMs: 0,
      syncDir: (d, done) => dirs.push({ dir: d, done }),
    });
    write("a");
    const wal = `${file()}-wal`;
    // the WAL recreated under its name (SQLite deletes it when the last connection closes)
    renameSync(wal, `${wal}.old`);
    copyFileSync(`${wal}.old`, wal);
    const order: string[] = [];
    ws.whenDurable((err) => order.push(`a:${err ?? "ok"}`));
    const first = sync.waiting[0]!;
    sync.waiting = [];
    first.done(null);
    expect(order).toEqual([]); // the file's data is synced, its name not yet
    expect(dirs.map((d) => d.dir)).toEqual([dir]);
    dirs[0]!.done(null);
    expect(order).toEqual(["a:ok"]);
    // the same file again: no second directory sync
    write("b");
    ws.whenDurable((err) => order.push(`b:${err ?? "ok"}`));
    const second = sync.waiting[0]!;
    sync.waiting = [];
    second.done(null);
    expect(order).toEqual(["a:ok", "b:ok"]);
    expect(dirs).toHaveLength(1);
  });

  it("a failed fdatasync fails its waiters coded, and every later wait until recover()", async () => {
    write("a");
    const errs: unknown[] = [];
    ws.whenDurable((err) => errs.push(err));
    sync.fail("EIO");
    expect(errs).toHaveLength(1);
    expect(isQhError(errs[0], "QH_STORE_IO")).toBe(true);
    expect(storeFaultOf(db).reason).toBe("store: I/O error");
    // never retried into a success: a later wait fails without a sync
    const calls = sync.calls;
    await expect(ws.durable()).rejects.toMatchObject({ code: "QH_STORE_IO" });
    expect(sync.calls).toBe(calls);
    // the keeper's recovery (after a full checkpoint): one more sync, then waits work again
    let recovered = 0;
    ws.onRecovered(() => recovered++);
    sync.holding = false;
    const ok = await new Promise<boolean>((r) => ws.recover(r));
    expect(ok).toBe(true);
    expect(recovered).toBe(1);
    write("b");
    await expect(ws.durable()).resolves.toBeUndefined();
  });

  it("ENOSPC from fdatasync is a full store (QH_STORE_FULL)", () => {
    write("a");
    const errs: unknown[] = [];
    ws.whenDurable((err) => errs.push(err));
    sync.fail("ENOSPC");
    expect(isQhError(errs[0], "QH_STORE_FULL")).toBe(true);
  });
});
