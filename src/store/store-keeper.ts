/**
 * The store's keeper: the disk watermark, the write-failure state and the WAL's size, in one place.
 *
 *   every 10 s (housekeeping) ─► disk level (free space, quota) ─► WAL past store.walMaxMb? checkpoint
 *   any write path meets SQLITE_FULL / SQLITE_IOERR ─► StoreFault ─► level "full" at once
 *   while faulty, every second ─► checkpoint (RESTART) + a probe write ─► ok? fault cleared
 *
 * Level `low` refuses telemetry, `full` refuses telemetry and events (the device is told: its QoS 1
 * publish is not acknowledged). Both leave by themselves once the space is back.
 */
import { statSync } from "node:fs";
import type { Registry } from "prom-client";
import { QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { counter, gauge } from "../core/metrics.js";
import { checkpoint, type Db } from "./db.js";
import { type DiskLevel, diskLevel, isDiskWriteFailure, type StoreFault, storeFaultOf } from "./disk.js";

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
}

export class StoreKeeper {
  readonly fault: StoreFault;
  private watermark: DiskLevel = "ok";
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly mDisk;
  private readonly mCheckpoints;
  private readonly walMaxBytes: number;

  constructor(private readonly o: StoreKeeperOptions) {
    this.fault = storeFaultOf(o.db, o.log);
    this.fault.dir = o.dataDir;
    this.walMaxBytes = o.walMaxMb * 1048576;
    this.mDisk = gauge(
      o.registry,
      "qh_disk_level",
      "0 ok, 1 low (telemetry refused), 2 full (events refused)",
    );
    const mFault = gauge(o.registry, "qh_store_fault", "1 while the disk refuses the store's writes");
    this.mCheckpoints = counter(o.registry, "qh_wal_checkpoints_total", "WAL checkpoints run by the keeper", [
      "outcome",
    ]);
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

  /** ok, low or full: the watermark, or full while the disk refuses writes. */
  get level(): DiskLevel {
    return this.fault.active ? "full" : this.watermark;
  }

  /** The coded refusal for business events, or undefined while they are accepted. */
  refusal(): QhError | undefined {
    if (this.fault.active) return this.fault.active;
    if (this.watermark === "full")
      return new QhError(
        "QH_STORE_FULL",
        "disk quota reached or disk nearly full: business events are refused",
      );
    return undefined;
  }

  /** Reasons for /health: `disk low`, `disk full`, `store: disk full`, `store: I/O error`. */
  problems(): string[] {
    const out: string[] = [];
    if (this.watermark !== "ok") out.push(`disk ${this.watermark}`);
    const r = this.fault.reason;
    if (r) out.push(r);
    return out;
  }

  /** Housekeeping: the watermark, then the WAL's size. Never throws a disk failure. */
  check(): void {
    this.checkWal();
    const r = diskLevel(
      {
        dataDir: this.o.dataDir,
        dbFile: this.o.dbFile,
        quotaMb: this.o.quotaMb,
        lowDiskMb: this.o.lowDiskMb,
      },
      this.o.freeBytesOverride?.(),
    );
    if (r.level !== this.watermark)
      this.o.log.warn(
        { level: r.level, freeMb: Math.round(r.freeMb), dbMb: Math.round(r.dbMb) },
        "disk level changed",
      );
    this.watermark = r.level;
    this.publishLevel();
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
    this.runCheckpoint(this.fault.active ? "RESTART" : "TRUNCATE", wal);
  }

  private runCheckpoint(mode: "TRUNCATE" | "RESTART", walBytes: number): boolean {
    try {
      const r = checkpoint(this.o.db, mode);
      this.mCheckpoints.inc({ outcome: r.busy ? "busy" : "done" });
      if (r.busy)
        this.o.log.warn(
          { walMb: Math.round(walBytes / 1048576), frames: r.walFrames, copied: r.checkpointed },
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
    this.runCheckpoint("RESTART", 0);
    try {
      this.writeProbe();
    } catch (err) {
      if (!isDiskWriteFailure(err)) throw err;
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
