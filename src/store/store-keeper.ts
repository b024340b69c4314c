/**
 * The store's keeper: the disk watermark, the write-failure state and the WAL's size, in one place.
 *
 *   every 10 s (housekeeping) ─► disk level (free space, quota) ─► WAL past store.walMaxMb? checkpoint
 *   any write path meets SQLITE_FULL / SQLITE_IOERR ─► StoreFault ─► level "full" at once
 *   while faulty, every second ─► checkpoint (RESTART) + a probe write ─► ok? fault cleared
 *
 *   every commit ─► bytes used (live pages + WAL) ─► each accepted event: used + batch ≥ quota?
 *                   ─► drop telemetry, evict delivered events (oldest first) ─► still over? refuse
 *
 * Level `low` refuses telemetry, `full` refuses telemetry and events (the device is told: its QoS 1
 * publish is not acknowledged). Both leave by themselves once the space is back. The quota is
 * enforced at write time (not only on the 10 s sample); delivered events kept only for `replay`
 * are evicted to make room under the quota before any new event is refused.
 */
import { statSync } from "node:fs";
import type { Registry } from "prom-client";
import { QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { counter, gauge } from "../core/metrics.js";
import type { Checkpointer, CheckpointReply } from "./checkpointer.js";
import { checkpoint, type Db } from "./db.js";
import {
  type DiskLevel,
  diskLevel,
  isDiskWriteFailure,
  quotaLevel,
  type StoreFault,
  storeFaultOf,
  worse,
} from "./disk.js";
import { usedBytes } from "./outbox.js";
import type { WalSync } from "./wal-sync.js";

/** Share of the quota from which every commit is measured exactly rather than estimated. */
const MEASURE_FROM = 0.8;
/** Rows evicted per step while making room under the quota. */
const EVICT_CHUNK = 200;
/** Eviction frees down to this share of the quota (under the 90% `low` mark: telemetry flows again). */
const EVICT_TARGET = 0.85;

export interface StoreKeeperOptions {
  db: Db;
  dataDir: string;
  dbFile: string;
  quotaMb: number;
  lowDiskMb: number;
  walMaxMb: number;
  log: Logger;
  registry: Registry;
  /** test hook: pretend this many bytes are free on the data disk */
  freeBytesOverride?: () => number | undefined;
  /** the disk went low or full: drop what the lossy tier holds */
  onLow?: () => void;
  /** the fault state ended: retry what waited (delivery marks) */
  onRecovered?: () => void;
  /** How often a faulty store probes for space again, ms (default 1000). */
  probeMs?: number;
  /**
   * Delete up to n delivered events, oldest first; returns rows removed (0: none left). Without
   * it the quota refuses events once reached (the tests of the refusal itself).
   */
  evictDelivered?: (n: number) => number;
  /**
   * Background durability (issue 13): checkpoints of a healthy store go to this worker instead of
   * the event loop (a full or failing store still checkpoints inline: it must know at once).
   */
  checkpointer?: Checkpointer;
  /** Background durability: after a failed fdatasync the fault ends only once this syncs again. */
  walSync?: WalSync;
}

export class StoreKeeper {
  readonly fault: StoreFault;
  /** the free-space watermark, sampled by check() */
  private watermark: DiskLevel = "ok";
  /** bytes the store uses (live pages + WAL), refreshed after every commit and by check() */
  private used = 0;
  private shown: DiskLevel = "ok";
  /** the last event was refused by the quota (logged once per episode) */
  private quotaRefusing = false;
  /** what the last event refused by the quota would have added (it fits again below quota − this) */
  private refusedBytes = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  /** the worker's last checkpoint was held back by a reader (warned once per episode) */
  private held = false;
  /** the worker's last checkpoint copied every frame (no reader held it back) */
  private complete = false;
  /** a failed fdatasync's recovery sync is running */
  private recovering = false;
  private readonly mDisk;
  private readonly mCheckpoints;
  private readonly mEvicted;
  private readonly walMaxBytes: number;
  private readonly quotaBytes: number;

  constructor(private readonly o: StoreKeeperOptions) {
    this.fault = storeFaultOf(o.db, o.log);
    this.fault.dir = o.dataDir;
    this.fault.spaceRefusal = () =>
      this.watermark === "full"
        ? this.fullError("disk nearly full (store.lowDiskMb)")
        : this.quotaRefusing
          ? this.fullError("disk quota reached")
          : undefined;
    this.walMaxBytes = o.walMaxMb * 1048576;
    this.quotaBytes = o.quotaMb * 1048576;
    this.mEvicted = counter(
      o.registry,
      "qh_store_evicted_events_total",
      "Delivered events deleted before their retention to make room under store.diskQuotaMb",
    );
    this.mDisk = gauge(
      o.registry,
      "qh_disk_level",
      "0 ok, 1 low (telemetry refused), 2 full (events refused)",
    );
    const mFault = gauge(o.registry, "qh_store_fault", "1 while the disk refuses the store's writes");
    this.mCheckpoints = counter(o.registry, "qh_wal_checkpoints_total", "WAL checkpoints run by the keeper", [
      "outcome",
    ]);
    // every outcome from the start at 0: a dashboard sees "none yet", not a missing series
    for (const outcome of ["done", "busy", "failed"]) this.mCheckpoints.inc({ outcome }, 0);
    this.fault.onChange((active) => {
      mFault.set(active ? 1 : 0);
      this.publishLevel();
      if (active) this.startProbing();
      else {
        this.stopProbing();
        o.onRecovered?.();
      }
    });
  }

  /** ok, low or full: the free-space watermark and the quota, or full while the disk refuses writes. */
  get level(): DiskLevel {
    return this.fault.active ? "full" : this.space;
  }

  /**
   * The space's level without the fault: the worse of free space and the quota. Full while events
   * are refused by the quota, even when the store is a few hundred bytes under it (the refused
   * event would not fit): /health says what the devices are told.
   */
  private get space(): DiskLevel {
    return worse(this.watermark, this.quotaRefusing ? "full" : quotaLevel(this.used, this.o.quotaMb));
  }

  /** Bytes the store uses as the quota counts them (live pages + WAL), as of the last commit. */
  get usedBytes(): number {
    return this.used;
  }

  /**
   * The coded refusal for business events, or undefined while they are accepted. `pendingBytes`:
   * what the events accepted but not yet committed (the ingest batch, this one included) will add,
   * so the quota holds at write time, between two samples. Over the quota it first makes room
   * (telemetry, then delivered events); it refuses only what still does not fit.
   */
  refusal(pendingBytes = 0): QhError | undefined {
    if (this.fault.active) return this.fault.active;
    if (this.watermark === "full") return this.fullError("disk nearly full");
    if (this.used + pendingBytes >= this.quotaBytes) {
      this.makeRoom(pendingBytes);
      this.publishLevel();
      if (this.used + pendingBytes >= this.quotaBytes) {
        if (!this.quotaRefusing)
          this.o.log.warn(
            { usedMb: Math.round(this.used / 1048576), quotaMb: this.o.quotaMb },
            "disk quota reached and nothing delivered left to evict: refusing business events",
          );
        this.quotaRefusing = true;
        this.refusedBytes = pendingBytes;
        return this.fullError("disk quota reached");
      }
    }
    this.quotaRefusing = false;
    return undefined;
  }

  private fullError(why: string): QhError {
    return new QhError("QH_STORE_FULL", `${why}: business events are refused`, {
      usedMb: Math.round(this.used / 1048576),
      quotaMb: this.o.quotaMb,
    });
  }

  /** After a commit (or any sizeable write): measure what the store uses now. Cheap (3 pragmas, a stat). */
  /**
   * After a commit of about `bytes` (ingest's estimate): the estimate is added, and the store is
   * measured exactly (pragmas and a stat) only once the estimate nears the quota, so that a commit
   * far from it costs nothing more. Housekeeping's sample corrects the estimate.
   */
  noteCommitted(bytes: number): void {
    this.used += bytes;
    if (this.used >= this.quotaBytes * MEASURE_FROM) this.noteWrite();
  }

  noteWrite(): void {
    try {
      this.used = usedBytes(this.o.db, this.o.dbFile);
      if (this.quotaRefusing && this.used + this.refusedBytes < this.quotaBytes) this.quotaRefusing = false;
    } catch (err) {
      if (this.fault.record(err, "quota measure") === err) throw err;
    }
    this.publishLevel();
  }

  /**
   * Over the quota: drop the telemetry buffer, checkpoint the WAL, then evict delivered events,
   * oldest first, until used + pendingBytes is under 85% of the quota or nothing is left to evict.
   */
  private makeRoom(pendingBytes: number): void {
    const target = this.quotaBytes * EVICT_TARGET - pendingBytes;
    try {
      this.o.onLow?.();
      this.noteWrite();
      if (this.used <= target) return;
      // the WAL first: evicting rows to pay for WAL frames would leave free pages behind, and the
      // file (live + free pages + WAL) would outgrow the quota on disk
      this.truncateWal();
      if (this.used <= target) return;
      let evicted = 0;
      if (this.o.evictDelivered) {
        for (;;) {
          const n = this.o.evictDelivered(EVICT_CHUNK);
          evicted += n;
          this.noteWrite();
          if (n === 0 || this.used <= target) break;
        }
      }
      // the deletes (and the inserts before them) sit in the WAL, which counts until checkpointed
      if (this.used > target) this.truncateWal();
      if (evicted > 0) {
        this.mEvicted.inc(evicted);
        this.o.log.warn(
          { evicted, usedMb: Math.round(this.used / 1048576), quotaMb: this.o.quotaMb },
          "disk quota reached: delivered events evicted to make room (no longer available to replay)",
        );
      }
    } catch (err) {
      if (this.fault.record(err, "quota eviction") === err) throw err;
    }
  }

  /** Checkpoint and truncate the WAL (not from inside a caller's transaction), then measure. */
  private truncateWal(): void {
    if (this.o.db.inTransaction) return;
    this.runCheckpoint("TRUNCATE", 0);
    this.noteWrite();
  }

  /** Reasons for /health: `disk low`, `disk full`, `store: disk full`, `store: I/O error`. */
  problems(): string[] {
    const out: string[] = [];
    const space = this.space;
    if (space !== "ok") out.push(`disk ${space}`);
    const r = this.fault.reason;
    if (r) out.push(r);
    return out;
  }

  /** Housekeeping: the watermark, then the WAL's size. Never throws a disk failure. */
  check(): void {
    this.checkWal();
    this.noteWrite();
    const r = diskLevel(
      {
        dataDir: this.o.dataDir,
        dbFile: this.o.dbFile,
        quotaMb: this.o.quotaMb,
        lowDiskMb: this.o.lowDiskMb,
        usedBytes: this.used,
      },
      this.o.freeBytesOverride?.(),
    );
    this.watermark = r.byDisk;
    // the sample corrects the write-time estimate; over the quota, make room now
    if (r.byQuota === "full" && !this.fault.active) this.makeRoom(0);
    this.showLevel(this.space, r.freeMb);
    if (this.level !== "ok") {
      try {
        this.o.onLow?.();
      } catch (err) {
        if (this.fault.record(err, "telemetry buffer") === err) throw err;
      }
    }
  }

  /**
   * The WAL past store.walMaxMb (a reader held a snapshot, or a burst outran the autocheckpoint),
   * or the disk not ok: checkpoint and truncate it, without waiting for readers.
   */
  checkWal(): void {
    let wal = 0;
    try {
      wal = statSync(`${this.o.dbFile}-wal`).size;
    } catch {
      return;
    }
    if (wal <= this.walMaxBytes && this.level === "ok") return;
    const worker = this.o.checkpointer;
    if (worker && !worker.dead && this.level === "ok") {
      if (this.complete && !worker.busy) {
        // The worker copied every frame and the WAL is still past its limit: no commit came since
        // to restart it (a quiet site after a reader let go). Truncate it here, never waiting for a
        // reader (busy_timeout 0): little or nothing left to copy, once per overgrowth.
        this.complete = false;
        this.runCheckpoint("TRUNCATE", wal);
        return;
      }
      // PASSIVE in the worker; once it backfilled every frame the next commit restarts the WAL
      // and journal_size_limit cuts it back (or the next round truncates it, above)
      worker.request();
      return;
    }
    this.runCheckpoint(this.fault.active ? "RESTART" : "TRUNCATE", wal);
  }

  /** The checkpointer worker's outcome: metrics, a warning when a reader held it back, a fault. */
  noteCheckpoint(r: CheckpointReply): void {
    if (r.error) {
      this.mCheckpoints.inc({ outcome: "failed" });
      const err = Object.assign(new Error(r.error.message), { code: r.error.code });
      if (this.fault.record(err, "WAL checkpoint") === err)
        this.o.log.error({ err: r.error }, "WAL checkpoint failed");
      return;
    }
    this.mCheckpoints.inc({ outcome: r.busy ? "busy" : "done" });
    const first = r.busy && !this.held;
    this.held = r.busy === true;
    this.complete = r.busy !== true;
    if (first)
      this.o.log.warn(
        { walMb: walMbOf(`${this.o.dbFile}-wal`), frames: r.walFrames, copied: r.checkpointed },
        "WAL checkpoint held back by a reader's snapshot (a backup or a sqlite3 shell?): it is retried",
      );
  }

  private runCheckpoint(mode: "TRUNCATE" | "RESTART", walBytes: number): boolean {
    try {
      const r = checkpoint(this.o.db, mode);
      this.mCheckpoints.inc({ outcome: r.busy ? "busy" : "done" });
      if (r.busy)
        this.o.log.warn(
          { walMb: Math.round((walBytes / 1048576) * 10) / 10, frames: r.walFrames, copied: r.checkpointed },
          "WAL checkpoint held back by a reader's snapshot (a backup or a sqlite3 shell?): it is retried",
        );
      return !r.busy;
    } catch (err) {
      this.mCheckpoints.inc({ outcome: "failed" });
      if (!isDiskWriteFailure(err)) throw err;
      this.fault.record(err, "WAL checkpoint");
      return false;
    }
  }

  /**
   * At start: one small write, so that a gateway started on a full disk knows it at once and
   * starts degraded (refusing, reporting) instead of failing its first event.
   */
  start(): void {
    this.check();
    try {
      this.writeProbe();
    } catch (err) {
      if (!isDiskWriteFailure(err)) throw err;
      this.fault.record(err, "start-up probe");
    }
  }

  private writeProbe(): void {
    this.o.db
      .prepare(
        "INSERT INTO meta (key, value) VALUES ('store_probe', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(String(Date.now()));
  }

  /** While faulty: make room in the WAL if a reader no longer holds it, then try a small write. */
  probe(): boolean {
    if (!this.fault.active) return true;
    const complete = this.runCheckpoint("RESTART", 0);
    try {
      this.writeProbe();
    } catch (err) {
      if (!isDiskWriteFailure(err)) throw err;
      return false;
    }
    const sync = this.o.walSync;
    if (sync?.failure) {
      // After a failed fdatasync nothing since is known to be on the disk: the checkpoint above
      // rewrote every committed page into the database file and synced it (it must have been
      // complete), and the WAL must sync again. Then the fault ends (and ingest's held rows go on).
      if (!complete || this.recovering) return false;
      this.recovering = true;
      sync.recover((ok) => {
        this.recovering = false;
        if (!ok) return;
        this.fault.clear();
        this.check();
      });
      return false;
    }
    this.fault.clear();
    this.check();
    return true;
  }

  stop(): void {
    this.stopProbing();
  }

  private publishLevel(): void {
    const l = this.level;
    this.mDisk.set(l === "ok" ? 0 : l === "low" ? 1 : 2);
    if (!this.fault.active) this.showLevel(this.space);
  }

  /** Log a change of the space's level (warn), once per change. */
  private showLevel(level: DiskLevel, freeMb?: number): void {
    if (level === this.shown) return;
    this.shown = level;
    this.o.log.warn(
      {
        level,
        ...(freeMb !== undefined && Number.isFinite(freeMb) ? { freeMb: Math.round(freeMb) } : {}),
        dbMb: Math.round(this.used / 1048576),
        quotaMb: this.o.quotaMb,
      },
      "disk level changed",
    );
  }

  private startProbing(): void {
    if (this.probeTimer) return;
    this.probeTimer = setInterval(() => {
      try {
        this.probe();
      } catch (err) {
        this.o.log.error({ err }, "store probe failed");
      }
    }, this.o.probeMs ?? 1000);
    this.probeTimer.unref();
  }

  private stopProbing(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }
}

/** The file's size in MB (one decimal), undefined when it is gone: the log's `walMb`. */
function walMbOf(file: string): number | undefined {
  try {
    return Math.round((statSync(file).size / 1048576) * 10) / 10;
  } catch {
    return undefined;
  }
}
