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
 *   main: WAL past the threshold (after a sync) or housekeeping ─► request() ─► worker: PASSIVE
 *   worker ─► { busy, log, checkpointed } or { error: { code, message } } ─► main: metrics, fault
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What one checkpoint did, or the SQLite error it met (code as better-sqlite3's SqliteError.code). */
export interface CheckpointReply {
  /** not every frame was copied (a reader's snapshot, or a writer, held it back) */
  busy?: boolean;
  walFrames?: number;
  checkpointed?: number;
  error?: { code: string; message: string };
}

/** After a checkpoint a reader held back, the next one is asked no sooner than this (ms). */
const RETRY_MS = 1000;

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
    // PASSIVE does not wait and does not say busy for a reader: short of the WAL's end is "busy"
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
  private again = false;
  private closed = false;
  /** when the last checkpoint came back incomplete (a reader): ask again a second later at most */
  private heldAt = 0;
  /** the worker died (reported through onReply): the caller checkpoints inline instead */
  dead = false;

  /**
   * Start the worker on `dbFile` (the database must exist, in WAL mode). `onReply` hears every
   * checkpoint's outcome on the main thread.
   */
  constructor(
    dbFile: string,
    private readonly onReply: (r: CheckpointReply) => void,
  ) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: dbFile } });
    this.worker.unref();
    this.worker.on("message", (r: CheckpointReply) => {
      this.running = false;
      this.heldAt = r.busy ? performance.now() : 0;
      this.onReply(r);
      if (this.again && !this.closed) {
        this.again = false;
        this.request();
      }
    });
    this.worker.on("error", (err: Error) => {
      this.running = false;
      this.dead = true;
      this.onReply({ error: { code: "SQLITE_IOERR", message: `checkpoint worker: ${err.message}` } });
    });
  }

  /**
   * Ask for a PASSIVE checkpoint; one already running is followed by one more. Never blocks. After
   * one that a reader held back, requests within RETRY_MS are ignored (the WAL is past its size
   * after every sync meanwhile).
   */
  request(): void {
    if (this.closed || this.dead) return;
    if (this.heldAt > 0 && performance.now() - this.heldAt < RETRY_MS) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.worker.postMessage("checkpoint");
  }

  /** Whether a checkpoint is running now. */
  get busy(): boolean {
    return this.running;
  }

  /** Close the worker's connection and end the thread (waits for a running checkpoint to finish). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.dead) return;
    const exited = new Promise<void>((r) => this.worker.once("exit", () => r()));
    // referenced again while it closes: else a process with nothing else left to do exits here,
    // in the middle of the gateway's stop (the lock not released, "gateway stopped" never logged)
    this.worker.ref();
    this.worker.postMessage("close");
    await exited;
  }
}
