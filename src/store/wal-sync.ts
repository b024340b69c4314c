/**
 * Durability off the event loop: the group fdatasync of the WAL (issue 13).
 *
 *   main thread: commit (WAL, synchronous=NORMAL: frames written to the page cache, no fsync)
 *              ─► whenDurable(cb) ─► joins the NEXT fdatasync (one that starts after the commit)
 *   libuv pool:  fs.fdatasync(fd of the -wal file), up to `maxInFlight` at once
 *              ─► main thread: callbacks released in the order they registered
 *
 * Several fdatasyncs overlap (a new one starts, once the running code returns, as soon as callbacks
 * wait and fewer than `maxInFlight` run): a commit that lands just after a sync started does not
 * wait for that whole sync and then its own (two card latencies), only for its own. The default cap,
 * 3, leaves one of libuv's 4 pool threads to everything else (fs, dns, zlib). Callbacks are still
 * released in commit order (MQTT 3.1.1 §4.6: PUBACKs in the order the PUBLISHes arrived): a sync
 * that completes before one started earlier waits for it, and a failed one fails at once every
 * callback not yet released, of the syncs started before it as well as after it, whatever they
 * returned (Linux reports a failed writeback to one fdatasync of the file only).
 *
 * SQLite's own guarantees this builds on (https://www.sqlite.org/pragma.html#pragma_synchronous,
 * https://www.sqlite.org/wal.html#performance_considerations): "WAL mode is always consistent with
 * synchronous=NORMAL, but WAL mode does lose durability. A transaction committed in WAL mode with
 * synchronous=NORMAL might roll back following a power loss or system crash." With NORMAL "the WAL
 * file is synced before each checkpoint and the database file is synced after each completed
 * checkpoint and the WAL file header is synced when a WAL file begins to be reused after a
 * checkpoint, but no sync operations occur during most transactions". So the only thing NORMAL
 * leaves out against FULL is the sync of the WAL at each commit's end: that is exactly this
 * fdatasync, run later, in the pool, for a whole group of commits. Linux keeps one page cache per
 * inode, so an fdatasync on our own descriptor flushes what SQLite wrote through its own.
 *
 * The -wal file keeps its inode while the gateway's connection is open: a checkpoint resets it in
 * place (the next writer overwrites from the start) and `journal_size_limit` or TRUNCATE shorten it
 * with ftruncate. SQLite deletes it only when the last connection closes, and while its connection
 * is open it goes on writing the inode it opened, whatever the path names. So every sync first
 * compares the path's inode with ours: should the file be deleted or replaced by an outside hand,
 * the sync fails coded (QH_STORE_IO; what SQLite writes now is lost at the next restart) instead of
 * syncing a file nobody writes. A WAL that did not exist when we looked and appears later is opened
 * then, and has its directory synced, once, before its first sync releases anyone: fdatasync covers
 * a file's data, not its name.
 * (SQLite syncs the directory of a WAL it created only at its own first sync of it: a checkpoint.)
 *
 * A failed fdatasync (EIO, ENOSPC) is never retried into a success: on Linux the failed pages may be
 * marked clean, so a later fdatasync can succeed without them. The waiters get the coded error
 * (QH_STORE_IO / QH_STORE_FULL), the store's fault is recorded (/health degraded, events refused)
 * and every later wait fails too until `recover()`: the store keeper calls it once a full
 * checkpoint (which rewrites every committed page into the database file and syncs it) and a
 * fresh fdatasync have both succeeded.
 */
import {
  close,
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsync,
  fsyncSync,
  open,
  openSync,
  statSync,
} from "node:fs";
import { dirname } from "node:path";
import type { Registry } from "prom-client";
import { QhError } from "../core/errors.js";
import { counter, histogram } from "../core/metrics.js";
import type { Db } from "./db.js";
import { isDiskWriteFailure, storeFaultOf } from "./disk.js";

/** Syncs a file descriptor's data (fs.fdatasync by default; a test holds it back). */
export type SyncFn = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

export type DurableCallback = (err: QhError | null) => void;

export interface WalSyncOptions {
  db: Db;
  /** the database file; its WAL is `${dbFile}-wal` */
  dbFile: string;
  /** test seam: the sync itself (default fs.fdatasync, in libuv's thread pool) */
  sync?: SyncFn;
  /**
   * test seam: fsync of the WAL's directory (default: open it read-only, fs.fsync, close), run once
   * after a (re)opened WAL file's first data sync, before that sync releases anyone.
   */
  syncDir?: (dir: string, done: (err: NodeJS.ErrnoException | null) => void) => void;
  /** after each successful sync: the WAL's size in bytes (the checkpointer's trigger) */
  onSynced?: (walBytes: number) => void;
  /**
   * How often (ms) writes nobody waits for (delivery marks, a pulse's record, the clock's mark)
   * are synced when the WAL changed since the last sync (default 1000; 0: never).
   */
  idleMs?: number;
  /** qh_wal_fsync_seconds (the card's latency as the gateway sees it), qh_wal_fsync_failures_total */
  registry?: Registry;
  /** fdatasyncs running at once, in libuv's pool of 4 (default MAX_IN_FLIGHT; 1: one at a time) */
  maxInFlight?: number;
  /**
   * Syncs overlap (up to `maxInFlight`) only while the disk is slow: while the smoothed time of the
   * last syncs is at least this many ms (default OVERLAP_FROM_MS; 0: always). Until a sync has
   * completed the disk counts as slow.
   */
  overlapFromMs?: number;
}

/** Default cap on overlapping fdatasyncs: one of libuv's 4 pool threads stays free. */
export const MAX_IN_FLIGHT = 3;

/**
 * Below this smoothed sync time (ms) one fdatasync runs at a time. On a fast disk (the benches'
 * virtual disk: 1–3 ms) a sync ends about when the devices' answers to the last release have
 * arrived, and overlapping syncs only split those answers into more, smaller batches: measured with
 * nothing injected (docs/performance.md, issue 13), 3 overlapping syncs committed 147 events per
 * commit against 227 one at a time and cost 3 µs more CPU per event. An SD card (tens of ms) is far
 * above it, and there the overlap is what lets a batch commit without waiting for a whole sync.
 */
export const OVERLAP_FROM_MS = 4;
/**
 * An fdatasync running this long (ms) is a disk that is not answering (a worn card stalls for
 * seconds; nothing is acknowledged meanwhile): `/health` warns from STALL_WARN_MS and reports a
 * problem from STALL_PROBLEM_MS.
 */
export const STALL_WARN_MS = 5_000;
export const STALL_PROBLEM_MS = 30_000;

/** Weight of the newest sync in the smoothed sync time (an exponential moving average). */
const SMOOTHING = 0.25;

/** One fdatasync: the callbacks registered before it started, and its outcome once it completed. */
interface Slot {
  cbs: DurableCallback[];
  done: boolean;
  walBytes: number;
  /** when its fdatasync started (performance.now() ms) */
  startedAt: number;
}

/** Statistics for the bench and /metrics: syncs run, callbacks they released, most at once. */
export interface WalSyncStats {
  syncs: number;
  released: number;
  /** the most fdatasyncs that ran at the same time */
  maxOverlap: number;
}

export class WalSync {
  private fd = -1;
  private ino = -1;
  /** syncs started and not yet settled, in start order (a completed one waits for those before it) */
  private slots: Slot[] = [];
  /** fdatasyncs running now (≤ maxInFlight) */
  private running = 0;
  /** callbacks waiting for the next sync */
  private next: DurableCallback[] = [];
  /** a start is scheduled for when the running code returns (its waits share one sync) */
  private kicked = false;
  /** running fdatasyncs per descriptor: one is closed only once none uses it */
  private readonly fdUses = new Map<number, number>();
  private failed: QhError | undefined;
  private readonly sync: SyncFn;
  private readonly maxInFlight: number;
  private readonly recoveredListeners: Array<() => void> = [];
  /** run once no fdatasync is running any more (a recovery waits for the syncs of before) */
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** the WAL's size and mtime at the start of the last sync: changed since? */
  private lastSeen = "";
  private readonly idleTimer: NodeJS.Timeout | undefined;
  readonly stats: WalSyncStats = { syncs: 0, released: 0, maxOverlap: 0 };
  /** how long the last completed sync took, ms (the card's latency as we see it) */
  lastSyncMs = 0;
  /** the syncs' smoothed time, ms (undefined until one completed) */
  private smoothedMs: number | undefined;
  private readonly overlapFromMs: number;
  private readonly mSync;
  private readonly mFailed;
  /**
   * The WAL file we hold was (re)opened and its directory entry not yet synced by us. SQLite syncs
   * the directory of a WAL it created only at its own first sync of it (a checkpoint, with
   * synchronous=NORMAL); our fdatasync covers the file's data, not its name: a power cut could
   * lose a new WAL whole, acknowledged commits with it.
   */
  private dirPending = false;
  private readonly syncDir: NonNullable<WalSyncOptions["syncDir"]>;

  /**
   * Opens the -wal file (it exists once the database is open for writing in WAL mode) and syncs it
   * once, synchronously: rows a crashed predecessor committed but never synced are durable before
   * anything reads them for the platform.
   */
  constructor(private readonly o: WalSyncOptions) {
    this.sync = o.sync ?? ((fd, done) => fdatasync(fd, done));
    this.maxInFlight = Math.max(1, Math.floor(o.maxInFlight ?? MAX_IN_FLIGHT));
    this.overlapFromMs = Math.max(0, o.overlapFromMs ?? OVERLAP_FROM_MS);
    this.mSync = o.registry
      ? histogram(
          o.registry,
          "qh_wal_fsync_seconds",
          "Duration of one group fdatasync of the WAL (off the event loop)",
          [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
        )
      : undefined;
    this.mFailed = o.registry
      ? counter(o.registry, "qh_wal_fsync_failures_total", "Group fdatasyncs of the WAL that failed")
      : undefined;
    this.syncDir = o.syncDir ?? syncDirectory;
    this.reopen();
    if (this.fd >= 0) {
      fdatasyncSync(this.fd);
      const dfd = openSync(dirname(this.walFile), "r");
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
      this.dirPending = false;
    }
    const idle = o.idleMs ?? 1000;
    if (idle > 0) {
      this.idleTimer = setInterval(() => this.syncIfChanged(), idle);
      this.idleTimer.unref();
    }
  }

  /** The WAL's size and mtime (from the inode in memory: no disk access). */
  private seen(): string {
    try {
      const st = fstatSync(this.fd);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return "";
    }
  }

  /** Sync when the WAL was written since the last sync and nobody asked (see `idleMs`). */
  syncIfChanged(): void {
    if (this.busy || this.failed || this.closed || this.fd < 0) return;
    if (this.seen() !== this.lastSeen) this.whenDurable(() => {});
  }

  private get walFile(): string {
    return `${this.o.dbFile}-wal`;
  }

  /** Whether a running fdatasync uses `fd` (it is closed only once none does). */
  private inUse(fd: number): boolean {
    return (this.fdUses.get(fd) ?? 0) > 0;
  }

  /** The inode the WAL's path names now (-1: none). */
  private pathIno(): number {
    try {
      return statSync(this.walFile).ino;
    } catch {
      return -1;
    }
  }

  /** (Re)open our descriptor on the WAL file the path names now; -1 while there is none. */
  private reopen(): void {
    if (this.fd >= 0 && !this.inUse(this.fd)) closeSync(this.fd);
    this.fd = -1;
    this.ino = -1;
    try {
      this.fd = openSync(this.walFile, "r");
      this.ino = fstatSync(this.fd).ino;
      this.dirPending = true;
    } catch {
      // no WAL yet: nothing written since the last connection closed, nothing to sync
    }
  }

  /** The coded error every wait fails with since a sync failed, until `recover()`. */
  get failure(): QhError | undefined {
    return this.failed;
  }

  /**
   * Call `cb` once everything committed before this call is on the disk: after an fdatasync that
   * started after this call, and every one started before it, have completed (`null`), or with the
   * coded error of the first of them that failed. Callbacks run in the order they registered.
   */
  whenDurable(cb: DurableCallback): void {
    if (this.failed) {
      cb(this.failed);
      return;
    }
    if (this.closed) {
      cb(closedError());
      return;
    }
    this.next.push(cb);
    this.kick();
  }

  /** Promise form of `whenDurable`. */
  durable(): Promise<void> {
    return new Promise((resolve, reject) => this.whenDurable((err) => (err ? reject(err) : resolve())));
  }

  /**
   * Start a sync if callbacks wait and the cap allows: once the code running now returns (a
   * `process.nextTick`), so the waits it registers share one sync. Not at the loop's next turn
   * (setImmediate): that came after a whole poll phase, reading and parsing the devices' next
   * PUBLISHes under load, before the card even started to write (issue 13, fifth pass:
   * docs/performance.md).
   */
  private kick(): void {
    if (this.kicked || this.running >= this.overlap || this.next.length === 0) return;
    this.kicked = true;
    process.nextTick(() => {
      this.kicked = false;
      if (this.failed) {
        this.failAll(this.failed);
        return;
      }
      if (this.closed) {
        // closed in the same run of code as the wait: nothing more is synced (no WAL reopened)
        const waiting = this.next;
        this.next = [];
        const err = closedError();
        for (const cb of waiting) cb(err);
        return;
      }
      if (this.running < this.overlap && this.next.length > 0) this.start();
    });
  }

  private start(): void {
    const cbs = this.next;
    this.next = [];
    const slot: Slot = { cbs, done: false, walBytes: 0, startedAt: performance.now() };
    this.slots.push(slot);
    // the path's inode, from the dentry cache
    const ino = this.pathIno();
    if (this.fd < 0) {
      if (ino >= 0) this.reopen(); // the WAL was created since we looked: open it
    } else if (ino !== this.ino) {
      // Deleted or replaced by an outside hand: SQLite goes on writing the inode it opened (ours),
      // which is no longer the file the path names, and which is lost at the next restart (or
      // freed by a power cut). Nothing is durable; recover() once the path names our file again,
      // else the gateway's restart (after the keeper's full checkpoint) is the way out.
      this.fail(
        Object.assign(
          new Error(
            `the WAL file ${this.walFile} was deleted or replaced by something outside the gateway: restart the gateway`,
          ),
          { code: "EIO" },
        ),
      );
      return;
    }
    if (this.fd < 0) {
      slot.done = true;
      setImmediate(() => this.settle());
      return;
    }
    this.running++;
    this.fdUses.set(this.fd, (this.fdUses.get(this.fd) ?? 0) + 1);
    this.stats.maxOverlap = Math.max(this.stats.maxOverlap, this.running);
    const fd = this.fd;
    this.lastSeen = this.seen();
    const startedAt = slot.startedAt;
    const dir = this.dirPending;
    const complete = (err: NodeJS.ErrnoException | null): void => {
      this.running--;
      const uses = (this.fdUses.get(fd) ?? 1) - 1;
      if (uses > 0) this.fdUses.set(fd, uses);
      else this.fdUses.delete(fd);
      this.stats.syncs++;
      this.lastSyncMs = performance.now() - startedAt;
      this.smoothedMs =
        this.smoothedMs === undefined
          ? this.lastSyncMs
          : this.smoothedMs + SMOOTHING * (this.lastSyncMs - this.smoothedMs);
      this.mSync?.observe(this.lastSyncMs / 1000);
      slot.done = true;
      if (!err) {
        try {
          slot.walBytes = fstatSync(fd).size;
        } catch {
          // closed meanwhile (shutdown): the sync itself succeeded
        }
      }
      if (fd !== this.fd && !this.inUse(fd)) closeSync(fd); // a WAL replaced meanwhile
      // A failure fails at once every sync not yet released, the ones started BEFORE it too: the
      // syncs share one open file, and Linux reports a page's failed writeback to one fdatasync of
      // a file only (the first to check after it), so an earlier sync still running may return 0
      // for pages that were lost. And /health tells of it now, not when the earlier syncs return.
      if (err) this.fail(err);
      else this.settle();
      if (this.running === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const fn of w) fn();
      }
    };
    this.sync(fd, (err) => {
      if (err || !dir) {
        complete(err);
        return;
      }
      // a new WAL file: its name made durable too before anyone is released
      this.syncDir(dirname(this.walFile), (dirErr) => {
        if (!dirErr && this.fd === fd) this.dirPending = false;
        complete(dirErr);
      });
    });
  }

  /** Release, in start order, every completed sync no earlier one holds back; then start more. */
  private settle(): void {
    let walBytes = -1;
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const slot = this.slots.shift()!;
      this.stats.released += slot.cbs.length;
      for (const cb of slot.cbs) cb(null);
      walBytes = Math.max(walBytes, slot.walBytes);
    }
    if (walBytes >= 0 && !this.failed) this.o.onSynced?.(walBytes);
    // callbacks may have committed and registered again: they join the next sync
    if (this.failed) this.failAll(this.failed);
    else this.kick();
  }

  /**
   * A sync failed: the store's fault is recorded (the first failure's error stands until
   * `recover()`), and every callback not yet released fails with it, in start order, whatever its
   * own sync returned or will return.
   */
  private fail(e: NodeJS.ErrnoException): void {
    this.mFailed?.inc();
    if (!this.failed) {
      // any failure of the sync is the disk's (EBADF, EINVAL too): recorded as an I/O error
      const diskErr = isDiskWriteFailure(e) ? e : Object.assign(new Error(e.message), { code: "EIO" });
      this.failed = storeFaultOf(this.o.db).record(diskErr, "WAL fdatasync") as QhError;
    }
    this.failAll(this.failed);
  }

  /** Fail every callback of the syncs still running (their outcome no longer counts) and waiting. */
  private failAll(err: QhError): void {
    const rest = this.slots;
    this.slots = [];
    const waiting = this.next;
    this.next = [];
    for (const s of rest) for (const cb of s.cbs) cb(err);
    for (const cb of waiting) cb(err);
  }

  /**
   * After a failed sync: a full checkpoint has rewritten every committed page into the database
   * file and synced it (the caller checked). Once the syncs that were running have returned, sync
   * the WAL once more; on success later waits work again and the listeners (ingest: rows held since
   * the failure) hear it.
   */
  recover(done: (ok: boolean) => void): void {
    if (!this.failed) {
      done(true);
      return;
    }
    if (this.running > 0) {
      this.idleWaiters.push(() => this.recover(done));
      return;
    }
    if (this.fd >= 0 && this.pathIno() !== this.ino) {
      done(false); // the WAL the path names is not the one SQLite writes: only a restart mends it
      return;
    }
    if (this.fd < 0) this.reopen();
    if (this.fd < 0) {
      this.failed = undefined;
      for (const l of this.recoveredListeners) l();
      done(true);
      return;
    }
    this.sync(this.fd, (err) => {
      if (err) {
        done(false);
        return;
      }
      this.failed = undefined;
      for (const l of this.recoveredListeners) l();
      done(true);
    });
  }

  /** Called when a failed store is durable again (see `recover`). */
  onRecovered(fn: () => void): void {
    this.recoveredListeners.push(fn);
  }

  /**
   * The cap on fdatasyncs running at once now (ingest keeps at most this many batches waiting):
   * `maxInFlight` while the disk is slow (see `overlapFromMs`), else 1.
   */
  get overlap(): number {
    if (this.smoothedMs === undefined || this.smoothedMs >= this.overlapFromMs) return this.maxInFlight;
    return 1;
  }

  /** How long the oldest fdatasync still running has run (ms; 0 when none runs). */
  stalledMs(now: number = performance.now()): number {
    // slots are in start order: the first not done is the oldest running
    const oldest = this.slots.find((s) => !s.done);
    return oldest ? now - oldest.startedAt : 0;
  }

  /** What /health says of a sync that has not returned (see STALL_WARN_MS), kind and text. */
  stall(): { level: "warning" | "problem"; text: string } | undefined {
    const ms = this.stalledMs();
    if (ms < STALL_WARN_MS) return undefined;
    const text = `QH_STORE_IO: an fdatasync of the WAL has not returned for ${Math.floor(ms / 1000)} s: the disk is not answering, and nothing is acknowledged until it does; check the SD card (dmesg) and its power supply`;
    return { level: ms >= STALL_PROBLEM_MS ? "problem" : "warning", text };
  }

  /** Whether a sync is running or waited for (shutdown waits for it). */
  get busy(): boolean {
    return this.running > 0 || this.slots.length > 0 || this.next.length > 0 || this.kicked;
  }

  /** Resolves once no sync is running or waited for. */
  async drained(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    this.closed = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    if (this.fd >= 0 && !this.inUse(this.fd)) closeSync(this.fd);
    this.fd = -1;
  }
}

/** What a wait gets once the WalSync is closed. */
function closedError(): QhError {
  return new QhError("QH_STORE_CLOSED", "the store is closed: nothing more is synced");
}

/** fsync a directory (its entries: a new file's name), in libuv's pool. */
function syncDirectory(dir: string, done: (err: NodeJS.ErrnoException | null) => void): void {
  open(dir, "r", (err, dfd) => {
    if (err) {
      done(err);
      return;
    }
    fsync(dfd, (syncErr) => close(dfd, () => done(syncErr)));
  });
}
