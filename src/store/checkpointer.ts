/**
 * WAL checkpoints off the event loop (issue 13): a worker thread with its own better-sqlite3
 * connection runs `PRAGMA wal_checkpoint(PASSIVE)` when asked. A checkpoint syncs the WAL, copies
 * its frames into the database file and syncs that (https://www.sqlite.org/wal.html#ckpt): two
 * fsyncs that on an SD card take tens of milliseconds each, now in the worker. The main connection
 * runs with `wal_autocheckpoint=0`, so its commits never checkpoint.
 *
 * PASSIVE only, never RESTART or TRUNCATE from here: those take the writer lock for the whole copy
 * and sync, and the main thread's next commit would sleep in its busy handler meanwhile. A PASSIVE
 * checkpoint that backfilled every frame lets the next main-thread commit restart the WAL from its
 * start (SQLite then syncs the new WAL header once, its only fsync on the main thread, and
 * `journal_size_limit` cuts the file back): that is how the WAL stops growing.
 *
 * A PASSIVE checkpoint copies the frames that were there when it began. Under a sustained load
 * the gateway commits while it runs, so when it ends the WAL holds frames it did not copy and the
 * writer's next commit cannot restart it; each sync past the size then asked for one more, which
 * ran while the writer committed again, and a running checkpoint also holds the read locks a
 * restart needs: on an SD card the WAL never restarted and grew past `store.walMaxMb` (90 MB in
 * 27 s at 11,000 events/s, docs/performance.md, issue 13, sixth pass). So a checkpoint asked for
 * while the WAL is still past its size after one that copied all it saw is a catch-up: the writer
 * is held (`holdWriter`: ingest commits nothing, the event loop runs on) until it ends, at most
 * HOLD_MAX_MS, and it copies only what came meanwhile. Then nothing is asked for until the WAL is
 * seen within its size (the writer's first commit restarted it), GRACE_SYNCS syncs found it still
 * past (a commit of another writer, telemetry or delivery marks, came during the catch-up: catch
 * up again) or RETRY_MS passed. Only ingest is held: the other writers commit far less often.
 *
 *   main: WAL past the threshold (after a sync) or housekeeping ─► request() ─► worker: PASSIVE
 *   worker ─► { busy, log, checkpointed } or { error: { code, message } } ─► main: metrics, fault
 *   main: WAL past it still, after a complete one ─► holdWriter() ─► worker: PASSIVE ─► release
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What one checkpoint did, or the SQLite error it met (code as better-sqlite3's SqliteError.code). */
export interface CheckpointReply {
  /** not every frame it saw was copied (a reader's snapshot held it back) */
  busy?: boolean;
  /** the WAL's frames when the checkpoint began */
  walFrames?: number;
  checkpointed?: number;
  error?: { code: string; message: string };
}

/** After a checkpoint a reader held back, the next one is asked no sooner than this (ms). */
const RETRY_MS = 1000;

/** The longest a catch-up checkpoint holds the writer (ms): a disk that stalls holds it no longer. */
export const HOLD_MAX_MS = 1000;

/**
 * Syncs after a catch-up that may still find the WAL past its size before its restart is due: those
 * started before the writer was let go (at most wal-sync's MAX_IN_FLIGHT, 3), then the writer's
 * first commit's. A WAL still past after these did not restart: another writer committed during
 * the catch-up.
 */
const GRACE_SYNCS = 5;

/** Holds the writer's commits; returns the function that lets them go on (called once). */
export type HoldWriter = () => () => void;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
// never wait for the main thread's locks: a busy checkpoint is simply asked again later
db.pragma("busy_timeout = 0");
// NORMAL: the checkpoint syncs the WAL before copying and the database file after
db.pragma("synchronous = NORMAL");
parentPort.on("message", (m) => {
  if (m === "close") { db.close(); parentPort.close(); return; }
  try {
    const r = db.pragma("wal_checkpoint(PASSIVE)")[0] || {};
    // log: the frames of the WAL as this connection saw it when the checkpoint began (frames the
    // writer commits meanwhile are not in it). PASSIVE does not wait and does not say busy for a
    // reader: short of that is "busy"
    const busy = r.busy === 1 || r.checkpointed < r.log;
    parentPort.postMessage({ busy, walFrames: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: { code: String(err.code || "SQLITE_ERROR"), message: String(err.message) } });
  }
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private running = false;
  private closed = false;
  /** when the last checkpoint came back incomplete (a reader): ask again a second later at most */
  private heldAt = 0;
  /** the worker died (reported through onReply): the caller checkpoints inline instead */
  dead = false;
  /** the last checkpoint copied every frame it saw, and the WAL has not been seen restarted since */
  private caughtUp = false;
  /** the running checkpoint is a catch-up */
  private catchUpRunning = false;
  /** lets the writer go on once the running catch-up checkpoint ends */
  private release: (() => void) | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;
  /** after a catch-up: no checkpoint until the WAL is seen within its size (it restarted), this time, */
  private restartGraceUntil = 0;
  /** … or this many more syncs found it past its size */
  private graceSyncs = 0;
  /** catch-up checkpoints run (the writer held for each) */
  catchUps = 0;

  /**
   * Start the worker on `dbFile` (the database must exist, in WAL mode). `onReply` hears every
   * checkpoint's outcome on the main thread; `holdWriter`, when given, holds the writer during a
   * catch-up checkpoint (see above).
   */
  constructor(
    dbFile: string,
    private readonly onReply: (r: CheckpointReply) => void,
    private readonly holdWriter?: HoldWriter,
  ) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: dbFile } });
    this.worker.unref();
    this.worker.on("message", (r: CheckpointReply) => {
      this.running = false;
      const catchUp = this.catchUpRunning;
      this.catchUpRunning = false;
      // the writer was still held when it ended (not let go by HOLD_MAX_MS): it added nothing since
      const heldToTheEnd = this.release !== undefined || !this.holdWriter;
      this.letWriterGo();
      this.heldAt = r.busy ? performance.now() : 0;
      // Every frame it saw copied: frames committed while it ran keep the WAL from restarting, so if
      // a later sync still finds the WAL past its size, the next checkpoint is a catch-up. Held back
      // by a reader: no catch-up could do better while the reader stays (retried in RETRY_MS).
      this.caughtUp = !r.busy && !r.error;
      // After a catch-up that held the writer to its end, the writer's next commit restarts the
      // WAL, if no checkpoint runs then (the restart needs the read locks a running one holds):
      // nothing is asked until the WAL is seen within its size, or GRACE_SYNCS syncs found it past
      // (another writer committed during the catch-up: catch up again), or RETRY_MS passed.
      if (catchUp && this.caughtUp && heldToTheEnd) {
        this.restartGraceUntil = performance.now() + RETRY_MS;
        this.graceSyncs = GRACE_SYNCS;
      }
      this.onReply(r);
    });
    this.worker.on("error", (err: Error) => this.died(err.message));
    // a worker that ends without an error (killed, out of memory in its isolate) is as dead
    this.worker.on("exit", (code) => {
      if (!this.closed) this.died(`exited with code ${code}`);
    });
  }

  /** The worker is gone: the writer goes on, and the caller checkpoints inline from now on. */
  private died(why: string): void {
    if (this.dead) return;
    this.running = false;
    this.catchUpRunning = false;
    this.letWriterGo();
    this.dead = true;
    this.onReply({ error: { code: "SQLITE_IOERR", message: `checkpoint worker: ${why}` } });
  }

  /**
   * Ask for a PASSIVE checkpoint; never blocks. Ignored while one runs (what it leaves is caught up
   * after it), within RETRY_MS of one a reader held back, and after a catch-up while its restart is
   * due (see GRACE_SYNCS).
   */
  request(): void {
    if (this.closed || this.dead) return;
    if (this.heldAt > 0 && performance.now() - this.heldAt < RETRY_MS) return;
    if (this.graceSyncs > 0 && performance.now() < this.restartGraceUntil) return;
    if (this.running) return;
    this.running = true;
    if (this.caughtUp) {
      // past its size although the last one copied all it saw: copy the rest, the writer held
      this.catchUpRunning = true;
      this.catchUps++;
      if (this.holdWriter) {
        this.release = this.holdWriter();
        this.releaseTimer = setTimeout(() => this.letWriterGo(), HOLD_MAX_MS);
        this.releaseTimer.unref();
      }
    }
    this.worker.postMessage("checkpoint");
  }

  /**
   * After a sync: whether the WAL is past the size that asks for a checkpoint. Within it, the WAL
   * restarted (or never grew): the next checkpoint is an ordinary one.
   */
  walPast(past: boolean): void {
    if (past) {
      if (this.graceSyncs > 0) this.graceSyncs--;
      this.request();
    } else {
      this.caughtUp = false;
      this.graceSyncs = 0;
    }
  }

  /** The catch-up ended (or its time is up): the writer's commits go on. */
  private letWriterGo(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** Whether a checkpoint is running now. */
  get busy(): boolean {
    return this.running;
  }

  /** Close the worker's connection and end the thread (waits for a running checkpoint to finish). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.letWriterGo();
    if (this.dead) return;
    const exited = new Promise<void>((r) => this.worker.once("exit", () => r()));
    // referenced again while it closes: else a process with nothing else left to do exits here,
    // in the middle of the gateway's stop (the lock not released, "gateway stopped" never logged)
    this.worker.ref();
    this.worker.postMessage("close");
    await exited;
  }
}
