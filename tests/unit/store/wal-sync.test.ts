import { copyFileSync, fstatSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import type { Db } from "../../../src/store/db.js";
import { storeFaultOf } from "../../../src/store/disk.js";
import { WalSync } from "../../../src/store/wal-sync.js";
import { tempDir } from "../../helpers/gateway.js";
import type { HeldSync } from "../../helpers/held-sync.js";
import {
  closeHeldWalSync,
  type HeldWalSync,
  openHeldWalSync,
  turn,
  writeMeta,
} from "../../helpers/held-wal-sync.js";

/** WalSync on a real database in WAL mode (synchronous=NORMAL), its fdatasync held by the test. */
describe("WalSync: the group fdatasync of the WAL", () => {
  let dir: string;
  let db: Db;
  let sync: HeldSync;
  let ws: WalSync;
  const file = () => join(dir, "quarterhour.db");
  const write = (v: string) => writeMeta(db, v);

  let t: HeldWalSync;
  beforeEach(() => {
    t = openHeldWalSync();
    ({ dir, db, sync, ws } = t);
  });
  afterEach(() => closeHeldWalSync({ ...t, ws }));

  it("opens the store with synchronous=NORMAL and no autocheckpoint: commits do not fsync on the loop", () => {
    expect(db.pragma("synchronous", { simple: true })).toBe(1);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  });

  it("a wait registered while a sync is in flight starts its own, overlapping one", async () => {
    write("a");
    ws.whenDurable(() => {});
    await turn();
    expect(sync.waiting).toHaveLength(1);
    write("b");
    // two waits of the same run of code share one sync (the group)
    ws.whenDurable(() => {});
    ws.whenDurable(() => {});
    expect(sync.waiting).toHaveLength(1); // the start waits for the code to return
    await turn();
    expect(sync.waiting).toHaveLength(2); // not the next after the first: a second, in parallel
    expect(ws.stats.maxOverlap).toBe(2);
    expect(ws.busy).toBe(true);
  });

  it("starts the sync once the committing code returns, before the loop's next turn reads anything", async () => {
    // Ingest commits in a setImmediate callback; the devices' next PUBLISHes are read in the poll
    // phase after it. A sync scheduled for the next turn waited for that whole phase (issue 13,
    // fifth pass): it must be asked for before any callback already queued for later runs.
    let atNextTurn = -1;
    let atTimer = -1;
    setImmediate(() => {
      atNextTurn = sync.waiting.length;
    });
    setTimeout(() => {
      atTimer = sync.waiting.length;
    }, 0);
    write("a");
    ws.whenDurable(() => {});
    ws.whenDurable(() => {});
    expect(sync.waiting).toHaveLength(0); // not inside the committing code itself
    await new Promise((r) => setTimeout(r, 5));
    expect(atNextTurn).toBe(1);
    expect(atTimer).toBe(1);
    expect(sync.calls).toBe(1); // the two waits shared it
  });

  it("a wait registered just before close() fails coded and reopens nothing", async () => {
    write("a");
    const got: Array<string | null> = [];
    ws.whenDurable((err) => got.push(err ? err.code : null));
    ws.close();
    await turn();
    expect(got).toEqual(["QH_STORE_CLOSED"]);
    expect(sync.calls).toBe(0);
    expect(ws.busy).toBe(false);
  });

  it("releases the callbacks in commit order: a later sync that completes first waits", async () => {
    const order: string[] = [];
    const wait = (tag: string) => ws.whenDurable((err) => order.push(`${tag}:${err ? err.code : "ok"}`));
    write("a");
    wait("a");
    await turn();
    write("b");
    wait("b1");
    wait("b2");
    await turn();
    write("c");
    wait("c");
    await turn();
    expect(sync.waiting).toHaveLength(3);
    sync.complete(2); // c's sync first
    sync.complete(1); // then b's
    expect(order).toEqual([]); // both wait for a's, started before them
    sync.complete(0);
    expect(order).toEqual(["a:ok", "b1:ok", "b2:ok", "c:ok"]);
    expect(ws.stats.released).toBe(4);
    expect(ws.busy).toBe(false);
  });

  it("a failed sync fails every later waiter, even of syncs that completed without error", async () => {
    const order: string[] = [];
    const wait = (tag: string) => ws.whenDurable((err) => order.push(`${tag}:${err ? err.code : "ok"}`));
    for (const t of ["a", "b", "c"]) {
      write(t);
      wait(t);
      await turn();
    }
    expect(sync.waiting).toHaveLength(3);
    sync.complete(2); // c's sync succeeded
    sync.complete(0); // a's too: released at once
    expect(order).toEqual(["a:ok"]);
    sync.complete(0, "EIO"); // b's failed: b and c (already synced) fail, never a success after it
    expect(order).toEqual(["a:ok", "b:QH_STORE_IO", "c:QH_STORE_IO"]);
    expect(ws.failure?.code).toBe("QH_STORE_IO");
    // and every wait after it, without a sync
    const calls = sync.calls;
    await expect(ws.durable()).rejects.toMatchObject({ code: "QH_STORE_IO" });
    await turn();
    expect(sync.calls).toBe(calls);
  });

  it("a failure fails the syncs still running; recover() waits for them to return", async () => {
    const errs: Array<string | undefined> = [];
    for (const t of ["a", "b"]) {
      write(t);
      ws.whenDurable((err) => errs.push(err?.code));
      await turn();
    }
    expect(sync.waiting).toHaveLength(2);
    sync.complete(0, "EIO");
    expect(errs).toEqual(["QH_STORE_IO", "QH_STORE_IO"]); // b's sync still runs: its waiter failed
    let ok: boolean | undefined;
    const calls = sync.calls;
    ws.recover((r) => {
      ok = r;
    });
    expect(sync.calls).toBe(calls); // not while b's sync runs on the old descriptor
    sync.complete(0); // b's sync returns (a success that no longer counts)
    expect(errs).toHaveLength(2);
    expect(sync.calls).toBe(calls + 1); // now the recovery's own sync
    sync.complete(0);
    expect(ok).toBe(true);
    expect(ws.failure).toBeUndefined();
    write("c");
    const p = ws.durable();
    await turn();
    sync.complete(0);
    await expect(p).resolves.toBeUndefined();
  });

  it("honours the cap: at most maxInFlight syncs run; the waits beyond share the next one", async () => {
    ws.close();
    // overlapFromMs 0: the syncs completed here take no time, which would stop the overlap
    ws = new WalSync({ db, dbFile: file(), sync: sync.fn, idleMs: 0, maxInFlight: 2, overlapFromMs: 0 });
    const order: number[] = [];
    for (let i = 0; i < 5; i++) {
      write(String(i));
      ws.whenDurable(() => order.push(i));
      await turn();
    }
    expect(sync.waiting).toHaveLength(2); // 0 and 1; 2, 3 and 4 wait for a free slot
    expect(ws.stats.maxOverlap).toBe(2);
    sync.complete(0);
    expect(order).toEqual([0]);
    await turn();
    expect(sync.waiting).toHaveLength(2); // one more started, for 2, 3 and 4 together
    sync.complete(1);
    expect(order).toEqual([0]); // 2..4's sync completed, 1's has not
    sync.complete(0);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(ws.stats.syncs).toBe(3);
    expect(ws.stats.maxOverlap).toBe(2);
  });

  it("overlaps syncs only while the disk is slow: fast syncs run one at a time, slow ones overlap again", async () => {
    ws.close();
    ws = new WalSync({ db, dbFile: file(), sync: sync.fn, idleMs: 0, maxInFlight: 3, overlapFromMs: 20 });
    expect(ws.overlap).toBe(3); // no sync timed yet: the disk counts as slow
    // a fast disk: syncs that complete at once bring the smoothed time under 20 ms
    for (let i = 0; i < 3; i++) {
      write(`fast${i}`);
      ws.whenDurable(() => {});
      await turn();
      sync.complete(0);
    }
    expect(ws.overlap).toBe(1);
    write("a");
    ws.whenDurable(() => {});
    await turn();
    write("b");
    ws.whenDurable(() => {});
    await turn();
    expect(sync.waiting).toHaveLength(1); // b waits for a's sync instead of starting its own
    // a slow disk: a's sync takes over 100 ms (smoothed: about ¼ × 100 = 25 ms), and the overlap is back
    await new Promise((r) => setTimeout(r, 100));
    sync.complete(0);
    expect(ws.overlap).toBe(3);
    await turn();
    expect(sync.waiting).toHaveLength(1); // b's own sync
    write("c");
    ws.whenDurable(() => {});
    await turn();
    expect(sync.waiting).toHaveLength(2); // c's starts beside b's
  });

  it("tells how long the oldest running sync has run, and nothing once it returned", async () => {
    expect(ws.stalledMs()).toBe(0);
    expect(ws.stall()).toBeUndefined();
    write("a");
    ws.whenDurable(() => {});
    await turn();
    await new Promise((r) => setTimeout(r, 30));
    expect(ws.stalledMs()).toBeGreaterThanOrEqual(25);
    expect(ws.stall()).toBeUndefined(); // far below STALL_WARN_MS
    expect(ws.stalledMs(performance.now() + 6_000)).toBeGreaterThan(5_000);
    sync.complete(0);
    expect(ws.stalledMs()).toBe(0);
  });

  it("maxInFlight 1: one sync at a time, a wait during it is released only by the next one", async () => {
    ws.close();
    ws = new WalSync({ db, dbFile: file(), sync: sync.fn, idleMs: 0, maxInFlight: 1 });
    const order: string[] = [];
    write("a");
    ws.whenDurable(() => order.push("a"));
    await turn();
    write("b");
    ws.whenDurable(() => order.push("b"));
    await turn();
    expect(sync.waiting).toHaveLength(1);
    sync.complete(0);
    expect(order).toEqual(["a"]);
    await turn();
    expect(sync.waiting).toHaveLength(1);
    sync.complete(0);
    expect(order).toEqual(["a", "b"]);
  });

  it("the idle sync runs only when the WAL changed and no sync runs", async () => {
    write("a");
    ws.syncIfChanged();
    await turn();
    expect(sync.waiting).toHaveLength(1);
    write("b");
    ws.syncIfChanged(); // a sync runs: not now
    await turn();
    expect(sync.waiting).toHaveLength(1);
    sync.complete(0);
    await turn();
    ws.syncIfChanged(); // b was written after that sync started: the WAL changed since
    await turn();
    expect(sync.waiting).toHaveLength(1);
    sync.complete(0);
    await turn();
    ws.syncIfChanged(); // nothing written since
    await turn();
    expect(sync.waiting).toHaveLength(0);
  });

  it("a WAL replaced under its name fails the sync coded; a sync running on our file keeps its descriptor", async () => {
    write("a");
    const wal = `${file()}-wal`;
    ws.whenDurable(() => {});
    await turn();
    const old = sync.waiting[0]!.fd;
    const before = statSync(wal).ino;
    // an outside hand replaces the file: same name, another inode
    renameSync(wal, `${wal}.old`);
    write("b"); // SQLite still writes to its descriptor (the old inode)
    copyFileSync(`${wal}.old`, wal);
    expect(statSync(wal).ino).not.toBe(before);
    const errs: string[] = [];
    ws.whenDurable((err) => errs.push(err?.code ?? "ok"));
    await turn();
    expect(errs).toEqual(["QH_STORE_IO"]);
    expect(sync.waiting).toHaveLength(1); // no sync of the new file
    expect(fstatSync(old).ino).toBe(before); // ours stays open while its sync runs
    sync.complete(0);
  });

  it("a WAL that appears after start has its directory entry synced before its first sync releases anyone, once", async () => {
    const dirs: Array<{ dir: string; done: (err: NodeJS.ErrnoException | null) => void }> = [];
    // a database with no WAL yet when the sync starts watching it
    const dir2 = tempDir();
    const file2 = join(dir2, "quarterhour.db");
    ws.close();
    ws = new WalSync({
      db,
      dbFile: file2,
      sync: sync.fn,
      idleMs: 0,
      syncDir: (d, done) => dirs.push({ dir: d, done }),
    });
    const other = new Database(file2);
    try {
      other.pragma("journal_mode = WAL");
      other.pragma("synchronous = NORMAL");
      other.exec("CREATE TABLE t (v TEXT)");
      other.prepare("INSERT INTO t VALUES ('a')").run(); // the WAL is created now
      const order: string[] = [];
      ws.whenDurable((err) => order.push(`a:${err ?? "ok"}`));
      await turn();
      const first = sync.waiting[0]!;
      sync.waiting = [];
      first.done(null);
      await turn();
      expect(order).toEqual([]); // the file's data is synced, its name not yet
      expect(dirs.map((d) => d.dir)).toEqual([dir2]);
      dirs[0]!.done(null);
      await turn();
      expect(order).toEqual(["a:ok"]);
      // the same file again: no second directory sync
      other.prepare("INSERT INTO t VALUES ('b')").run();
      ws.whenDurable((err) => order.push(`b:${err ?? "ok"}`));
      await turn();
      const second = sync.waiting[0]!;
      sync.waiting = [];
      second.done(null);
      await turn();
      expect(order).toEqual(["a:ok", "b:ok"]);
      expect(dirs).toHaveLength(1);
    } finally {
      ws.close();
      other.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it("a failed fdatasync fails its waiters coded, and every later wait until recover()", async () => {
    write("a");
    const errs: unknown[] = [];
    ws.whenDurable((err) => errs.push(err));
    await turn();
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

  it("ENOSPC from fdatasync is a full store (QH_STORE_FULL)", async () => {
    write("a");
    const errs: unknown[] = [];
    ws.whenDurable((err) => errs.push(err));
    await turn();
    sync.fail("ENOSPC");
    expect(isQhError(errs[0], "QH_STORE_FULL")).toBe(true);
  });
});
