import { copyFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../../src/store/db.js";
import { storeFaultOf } from "../../../src/store/disk.js";
import type { WalSync } from "../../../src/store/wal-sync.js";
import type { HeldSync } from "../../helpers/held-sync.js";
import {
  closeHeldWalSync,
  type HeldWalSync,
  openHeldWalSync,
  turn,
  writeMeta,
} from "../../helpers/held-wal-sync.js";

/**
 * Attack review of issue 13 (review-attack): findings on WalSync, each a test that failed before
 * its fix; each names its finding and asserts the behaviour the guarantee needs.
 */
describe("WalSync under attack (issue 13 review)", () => {
  let dir: string;
  let db: Db;
  let sync: HeldSync;
  let ws: WalSync;
  const file = () => join(dir, "quarterhour.db");
  const wal = () => `${file()}-wal`;
  const write = (v: string) => writeMeta(db, v);

  let t: HeldWalSync;
  beforeEach(() => {
    t = openHeldWalSync({ overlapFromMs: 0 });
    ({ dir, db, sync, ws } = t);
  });
  afterEach(() => closeHeldWalSync({ ...t, ws }));

  // FINDING 1 (wal-sync.ts settle(), lines 356-378): overlapping fdatasyncs share ONE descriptor
  // (one open file description). Linux reports a writeback error to one fdatasync per file
  // description (errseq_t, file_check_and_advance_wb_err): when sync B reports EIO, sync A, started
  // before B on the same fd and still running, may return 0 although the pages of A's commits were
  // lost (marked clean). WalSync fails only the syncs started AFTER the failed one, so A's waiters
  // (PUBACKs, kiosk answers) are released as durable after a failure was seen.
  it("FINDING 1: a sync running when a later overlapping one fails is not released as a success", async () => {
    const order: string[] = [];
    const wait = (tag: string) => ws.whenDurable((err) => order.push(`${tag}:${err ? err.code : "ok"}`));
    write("a");
    wait("a");
    await turn();
    write("b");
    wait("b");
    await turn();
    expect(sync.waiting).toHaveLength(2); // a's and b's fdatasyncs overlap on the same descriptor
    expect(sync.waiting[0]!.fd).toBe(sync.waiting[1]!.fd);
    sync.complete(1, "EIO"); // b's reports the writeback error (and consumes it for this fd)
    sync.complete(0); // a's then returns 0: the kernel no longer reports the error to this fd
    expect(order).toEqual(["a:QH_STORE_IO", "b:QH_STORE_IO"]); // actual: ["a:ok", "b:QH_STORE_IO"]
  });

  // FINDING 1b (same place): the failure of a later sync is recorded only once every earlier sync
  // has returned. Until then ws.failure is undefined, the store fault is not set (/health ok, ingest
  // and the kiosk keep accepting) and new waits keep starting syncs whose outcome cannot count.
  it("FINDING 1b: a failed fdatasync is recorded at once, not when an earlier sync returns", async () => {
    write("a");
    ws.whenDurable(() => {});
    await turn();
    write("b");
    ws.whenDurable(() => {});
    await turn();
    sync.complete(1, "EIO"); // b failed; a's sync (a slow card) still runs
    await turn();
    const calls = sync.calls;
    write("c");
    ws.whenDurable(() => {});
    await turn();
    expect(sync.calls).toBe(calls); // actual: a new sync started after the failure
    expect(ws.failure?.code).toBe("QH_STORE_IO"); // actual: undefined
    expect(storeFaultOf(db).active).toBeDefined(); // actual: no fault, /health says ok
  });

  // FINDING 2a (wal-sync.ts start(), lines 292-305): when the WAL's path names no file any more
  // (unlinked by an outside hand), start() releases the waiters as durable with no fdatasync at
  // all. SQLite keeps writing its commits to the unlinked inode through its own descriptor: those
  // acknowledged commits are lost by a power cut (or a kill -9: the WAL is gone at restart).
  it("FINDING 2a: a commit into an unlinked WAL is not acknowledged as durable without a sync", async () => {
    write("a");
    rmSync(wal()); // the -wal file unlinked while the gateway runs
    write("b"); // SQLite commits into the unlinked inode
    const errs: Array<string | null> = [];
    const calls = sync.calls;
    ws.whenDurable((err) => errs.push(err ? err.code : null));
    await turn();
    await turn();
    await turn();
    // released: "durable" with nothing synced (sync.calls unchanged)
    expect({ calls: sync.calls - calls, errs }).not.toEqual({ calls: 0, errs: [null] });
  });

  // FINDING 2b (wal-sync.ts start() + reopen(), lines 291-298; header comment lines 28-33): a WAL
  // replaced under its name is NOT "the one SQLite writes to": SQLite keeps its descriptor on the old
  // inode while its connection is open. WalSync switches to the new file and from then on syncs a
  // file nobody writes, releasing every later commit's acknowledgement as durable although its
  // frames (in the old inode) were never synced.
  it("FINDING 2b: after the WAL is replaced, no ack is released by a sync of a file SQLite does not write", async () => {
    write("a");
    renameSync(wal(), `${wal()}.old`);
    copyFileSync(`${wal()}.old`, wal());
    const oldSize = statSync(`${wal()}.old`).size;
    const newSize = statSync(wal()).size;
    write("c".repeat(20_000)); // a commit after the replacement
    // SQLite wrote it to the old inode, not to the file the path names now
    expect(statSync(`${wal()}.old`).size).toBeGreaterThan(oldSize);
    expect(statSync(wal()).size).toBe(newSize);
    const calls = sync.calls;
    let released: string | undefined;
    ws.whenDurable((err) => {
      released = err ? err.code : "ok";
    });
    await turn();
    await turn();
    expect(released).toBe("QH_STORE_IO"); // coded, at once
    expect(sync.calls - calls).toBe(0); // the copy nobody writes was not synced
    expect(ws.failure?.message).toMatch(/deleted or replaced by something outside the gateway/);
    // recovery is refused while the path names another file than the one SQLite writes
    const ok = await new Promise<boolean>((r) => ws.recover(r));
    expect(ok).toBe(false);
  });
});
