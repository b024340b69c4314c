/**
 * Ingest: the hot loop's first half.
 *
 *   producers (device broker, drivers, domain) ─► accept() ─► batch of this loop turn
 *   setImmediate ─► ONE SQLite transaction (assign seq, insert events, upsert states) ─► release acks
 *                 ─► hand the committed rows to the forwarder (no re-read from SQLite on the live path)
 *
 * Group commit: whatever arrives while a commit runs (better-sqlite3 is synchronous, so the loop is
 * busy) joins the next batch, so batches grow by themselves when the disk is slow. At low rates a
 * device event may wait for the commit window (store.commitWindowMs, commit-window.ts) so that a
 * few share one commit; the gateway's own events never wait.
 *
 * The row stored is compact (the payload and metadata: store/event-row.ts); the envelope built
 * here for the live lane is the one the outbox builds from the row for the backlog and replay.
 *
 * With a WalSync (store.fsync: background, issue 13) the commit does not fsync (synchronous=NORMAL)
 * and the acks wait for the WAL's fdatasync in libuv's pool instead:
 *
 *   commit batch k ─► sync.whenDurable ─► (fdatasync in flight; the loop keeps accepting into k+1)
 *                 ─► durable: release k's acks, hand k's rows to the forwarder ─► commit k+1 ─► …
 *
 * Up to `sync.overlap` batches (3) wait for their syncs at once, each with its own fdatasync: a batch
 * committed just after a sync started waits for one card latency, not two. Beyond that a batch holds
 * what arrived while the card wrote. The acks are released in commit order (WalSync keeps it). An
 * fdatasync that fails releases nothing: the acks get the coded error (the device keeps its event
 * and sends it again), and the batch's rows, committed but of unknown durability, are held back
 * from the forwarder and from `lastSeq` until the store keeper has made them durable again with a
 * full checkpoint (`onRecovered`); they then go to the platform too (at-least-once: the device's
 * resend is a second event with its own id).
 *
 * Seam with the outbox's row format (src/store/outbox.ts): `flush()` builds rows and commits them
 * through `tx`; everything after the commit (`settle`) only sees `CommittedRow`s and acks.
 */
import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.js";
import {
  type AcceptedEvent,
  EVENT_TYPE_RE,
  type EventInput,
  type EventSink,
  isJsonObject,
  MAX_EVENT_TYPES_PER_DEVICE,
} from "../core/envelope.js";
import { QhError } from "../core/errors.js";
import { newIdBytes } from "../core/ids.js";
import { counter, histogram } from "../core/metrics.js";
import type { Db } from "../store/db.js";
import { storeFaultOf } from "../store/disk.js";
import { envelopeText } from "../store/event-row.js";
import type { Outbox } from "../store/outbox.js";
import type { WalSync } from "../store/wal-sync.js";
import { CommitWindow, HOLD_MAX } from "./commit-window.js";

export interface CommittedRow {
  seq: number;
  device: string;
  type: string;
  body: string;
  /** acceptance time (ms), for forward latency */
  at: number;
}

type Ack = (err: Error | null, accepted?: AcceptedEvent) => void;

export interface IngestOptions {
  db: Db;
  outbox: Outbox;
  gatewayId: string;
  clock: Clock;
  registry: Registry;
  /** Called after each commit with the rows in seq order. */
  /** after each commit: its rows, and their estimated bytes in the store (see PENDING_OVERHEAD) */
  onCommitted: (rows: CommittedRow[], bytes: number) => void;
  /**
   * Returns a reason to refuse business events (disk full, quota, shutting down), or undefined.
   * `pendingBytes`: what the uncommitted batch, this event included, will add to the store
   * (estimated: see PENDING_OVERHEAD), so the quota holds at write time.
   */
  refuse?: (pendingBytes: number) => QhError | undefined;
  /** `store.commitWindowMs`: minimum spacing of commits of device events, ms (commit-window.ts; 0: none) */
  commitWindowMs?: number;
  /**
   * Durability off the event loop (src/store/wal-sync.ts): acks wait for an fdatasync of the WAL
   * that started after their commit. Without it a commit is durable when it returns
   * (synchronous=FULL, the fsync on the event loop) and acks are released at once.
   */
  sync?: Pick<WalSync, "whenDurable" | "onRecovered" | "lastSyncMs"> & { overlap?: number };
}

/**
 * After a batch of several events is released, the next commit waits for the devices' answers to
 * those acks (their next events): it goes at once when as many events as were released have
 * arrived (on top of those already waiting), else after this share of the last fdatasync's time,
 * never more than GATHER_MAX_MS. Devices whose QoS 1 window is full answer within a few ms; without
 * this their events split into two cohorts, one syncing while the other gathers, and every event
 * waits for two fdatasyncs instead of one (measured: half the throughput). The price, at a steady
 * rate that is not window-bound: up to the cap of PUBACK latency per commit. Only when every
 * overlapping sync was taken (the batch waiting could not start its own): below that cap each
 * cohort commits at its own loop turn and has its own fdatasync.
 */
const GATHER_SHARE = 0.5;
const GATHER_MAX_MS = 20;

/**
 * An event's cost on disk before it is committed, as the quota counts it: its page and its WAL
 * frame (×2), the envelope and the row's other columns and index entries (+512 bytes).
 */
export const PENDING_OVERHEAD = { factor: 2, perRow: 512 };

export class Ingest implements EventSink {
  /** estimated bytes of the batch not yet committed */
  private pendingBytes = 0;
  /** estimated bytes of the batches committed and waiting for their fdatasync (not yet counted by the keeper) */
  private syncingBytes = 0;
  private ids: string[] = [];
  /** the batch's ids as stored, 16 bytes each in the order of `ids` (reused: SQLite copies them) */
  private idBytes = Buffer.allocUnsafe(16 * 256);
  private tss: number[] = [];
  /** per event: accepted while the gateway's clock was not synchronised */
  private unsynced: boolean[] = [];
  private devices: string[] = [];
  private types: string[] = [];
  /** the `data` member, already serialised as JSON text */
  private datas: string[] = [];
  private acks: Ack[] = [];
  /** per device, the event types in the uncommitted batch that the store did not know (typeAllowed) */
  private freshTypes = new Map<string, Set<string>>();
  private scheduled = false;
  /** committed batches waiting for their fdatasync; at `maxSyncing` the next batch waits */
  private syncing = 0;
  /**
   * The sync's cap on overlapping fdatasyncs now (1 without overlap: one batch waits at a time). It
   * follows the disk: overlap only while syncs are slow (wal-sync.ts OVERLAP_FROM_MS).
   */
  private get maxSyncing(): number {
    return Math.max(1, this.o.sync?.overlap ?? 1);
  }
  /** while batches sync, commits are spaced by a share of the card's latency (see `flush`) */
  private paceTimer: NodeJS.Timeout | undefined;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** after a release: gathering the devices' next events until this many arrived (or the timer) */
  private gatherFor = 0;
  private gatherTimer: NodeJS.Timeout | undefined;
  /** committed rows whose fdatasync failed, held back until the store is durable again */
  private limbo: CommittedRow[] = [];
  private limboBytes = 0;
  private nextSeq: number;
  /** the highest seq known to be durable */
  private durableSeq: number;
  private closed = false;
  /** catch-up checkpoints holding the commits (src/store/checkpointer.ts): while > 0 none starts */
  private holds = 0;
  private readonly tx: (n: number, firstSeq: number, bodies: string[]) => void;
  private readonly mBatch;
  private readonly mCommit;
  private readonly mAccepted;
  private readonly mFailed;
  private readonly window: CommitWindow;

  constructor(private readonly o: IngestOptions) {
    this.nextSeq = o.outbox.lastSeq() + 1;
    this.window = new CommitWindow(o.commitWindowMs ?? 0, () => o.clock.mono());
    this.durableSeq = this.nextSeq - 1;
    o.sync?.onRecovered(() => this.releaseLimbo());
    this.tx = o.db.transaction((n: number, firstSeq: number, _bodies: string[]) => {
      // the row keeps the payload and compact metadata; the envelope (bodies) goes to the live lane
      const o = this.o;
      o.outbox.insertMany(
        o.gatewayId,
        firstSeq,
        n,
        this.idBytes,
        this.tss,
        this.devices,
        this.types,
        this.datas,
        this.unsynced,
      );
    });
    this.mBatch = histogram(
      o.registry,
      "qh_ingest_batch_size",
      "Events per group commit",
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    );
    this.mCommit = histogram(
      o.registry,
      "qh_ingest_commit_seconds",
      "Duration of one group commit",
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    );
    this.mAccepted = counter(
      o.registry,
      "qh_events_accepted_total",
      "Business events committed to the outbox",
    );
    this.mFailed = counter(o.registry, "qh_ingest_commit_failures_total", "Group commits that failed");
  }

  /**
   * The last group commit (or its fdatasync) failed: its code and message, cleared by the next one
   * that succeeds (or once held-back rows are durable again): /health.
   */
  commitFailure: string | undefined;

  /**
   * The last seq that is durable (acknowledged or acknowledgeable): what the forwarder may read
   * from the outbox and what `replay` and /info report. Rows committed and still waiting for their
   * fdatasync are above it.
   */
  get lastSeq(): number {
    return this.durableSeq;
  }

  /**
   * Whether `device` may publish an event of `type`: a type it used before, or fewer than
   * MAX_EVENT_TYPES_PER_DEVICE distinct types so far (src/core/envelope.ts).
   */
  typeAllowed(device: string, type: string): boolean {
    // types new to the device in the batch not yet committed count too: a burst of new types
    // within one commit cannot pass the limit
    const fresh = this.freshTypes.get(device);
    if (fresh?.has(type)) return true;
    return this.o.outbox.allowsType(
      this.o.gatewayId,
      device,
      type,
      MAX_EVENT_TYPES_PER_DEVICE - (fresh?.size ?? 0),
    );
  }

  emit(input: EventInput): Promise<AcceptedEvent> {
    return new Promise((resolve, reject) => {
      if (!EVENT_TYPE_RE.test(input.type)) {
        reject(new QhError("QH_EVENT_INVALID", `event type "${input.type}" does not match the scheme`));
        return;
      }
      if (!isJsonObject(input.data)) {
        reject(new QhError("QH_EVENT_INVALID", "event data must be a JSON object"));
        return;
      }
      this.acceptRaw(
        input.device,
        input.type,
        JSON.stringify(input.data),
        input.ts,
        (err, acc) => (err ? reject(err) : resolve(acc!)),
        false, // the gateway's own events (kiosk, lockers) never wait for the commit window
      );
    });
  }

  /**
   * The device broker's path: `dataJson` is the device's payload text, already checked to be a JSON
   * object; `device` and `type` already checked against their patterns (no escaping needed).
   * `windowed`: the event may wait for the commit window (commit-window.ts); device events do.
   */
  acceptRaw(
    device: string,
    type: string,
    dataJson: string,
    ts: number | undefined,
    ack: Ack,
    windowed = true,
  ): void {
    const cost = Buffer.byteLength(dataJson) * PENDING_OVERHEAD.factor + PENDING_OVERHEAD.perRow;
    const refusal = this.closed
      ? new QhError("QH_STORE_CLOSED", "ingest is closed")
      : this.o.refuse?.(this.pendingBytes + this.syncingBytes + cost);
    if (refusal) {
      ack(refusal);
      return;
    }
    this.pendingBytes += cost;
    if (windowed && this.window.enabled) {
      const answer = ack;
      ack = (err, acc) => {
        this.window.acked(device);
        answer(err, acc);
      };
    }
    const now = this.o.clock.now();
    const k = 16 * this.ids.length;
    if (k + 16 > this.idBytes.length) {
      const grown = Buffer.allocUnsafe(2 * this.idBytes.length);
      this.idBytes.copy(grown);
      this.idBytes = grown;
    }
    this.ids.push(newIdBytes(now, this.idBytes, k));
    this.tss.push(ts ?? now);
    this.unsynced.push(!this.o.clock.synced());
    this.devices.push(device);
    this.types.push(type);
    this.datas.push(dataJson);
    this.acks.push(ack);
    if (!this.o.outbox.knowsType(this.o.gatewayId, device, type)) {
      const fresh = this.freshTypes.get(device);
      if (fresh) fresh.add(type);
      else this.freshTypes.set(device, new Set([type]));
    }
    if (this.gatherTimer) {
      if (this.ids.length >= this.gatherFor) this.endGather();
      return;
    }
    if (!this.scheduled) {
      if (windowed && this.window.hold(device, this.ids.length, () => this.flush())) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private body(i: number, seq: number): string {
    // the same bytes the outbox builds from the stored row (backlog, replay)
    return envelopeText(
      this.ids[i]!,
      seq,
      this.tss[i]!,
      this.o.gatewayId,
      this.devices[i]!,
      this.types[i]!,
      this.datas[i]!,
      this.unsynced[i]!,
    );
  }

  /**
   * Commit the current batch now. Called once per loop turn, on shutdown, and (background sync)
   * when the previous batch's fdatasync completed; while that one is in flight the batch waits.
   */
  flush(): void {
    this.scheduled = false;
    if (this.syncing >= this.maxSyncing) return;
    if (this.holds > 0 && !this.closed) return;
    // While batches sync, the next commit comes no sooner than lastSyncMs ÷ the cap after the last
    // one: at most `cap` fdatasyncs per card latency, the batches as large as that allows (a commit
    // costs CPU of its own), and an event waits at most that share of a sync before its own.
    if (this.syncing > 0 && this.o.sync && !this.closed) {
      const now = performance.now();
      const due = this.lastCommitAt + this.o.sync.lastSyncMs / this.maxSyncing;
      if (now < due) {
        this.paceTimer ??= setTimeout(
          () => {
            this.paceTimer = undefined;
            this.flush();
          },
          Math.max(1, due - now),
        );
        return;
      }
    }
    if (this.paceTimer) {
      clearTimeout(this.paceTimer);
      this.paceTimer = undefined;
    }
    const n = this.ids.length;
    if (n === 0) {
      this.pendingBytes = 0;
      return;
    }
    const bytes = this.pendingBytes;
    this.pendingBytes = 0;
    this.lastCommitAt = performance.now();
    this.window.committing();
    const ids = this.ids;
    const devices = this.devices;
    const types = this.types;
    const acks = this.acks;
    const firstSeq = this.nextSeq;
    const t0 = performance.now();
    const bodies: string[] = new Array(n);
    for (let i = 0; i < n; i++) bodies[i] = this.body(i, firstSeq + i);
    let error: QhError | null = null;
    try {
      this.tx(n, firstSeq, bodies);
      this.nextSeq += n;
    } catch (err) {
      // a disk failure puts the store in its fault state (refusing until the disk takes writes)
      const recorded = storeFaultOf(this.o.db).record(err, "event commit");
      error =
        recorded instanceof QhError
          ? recorded
          : new QhError("QH_STORE_FULL", `commit failed: ${(err as Error).message}`);
    }
    const rows: CommittedRow[] = [];
    if (!error) {
      const at = this.o.clock.now();
      for (let i = 0; i < n; i++) {
        rows.push({ seq: firstSeq + i, device: devices[i]!, type: types[i]!, body: bodies[i]!, at });
      }
    }
    this.ids = [];
    this.tss = [];
    this.unsynced = [];
    this.devices = [];
    this.types = [];
    this.datas = [];
    this.acks = [];
    // committed: the store knows them now; rolled back: their events are refused
    if (this.freshTypes.size > 0) this.freshTypes = new Map();
    this.mCommit.observe((performance.now() - t0) / 1000);
    this.mBatch.observe(n);
    if (error || !this.o.sync) {
      this.settle(error, rows, bytes, acks, ids, firstSeq);
      return;
    }
    this.syncing++;
    this.syncingBytes += bytes;
    const sync = this.o.sync;
    // released in commit order (the sync's promise): this batch's acks follow every earlier batch's
    sync.whenDurable((err) => {
      const wasFull = this.syncing >= this.maxSyncing;
      this.syncing--;
      this.syncingBytes -= bytes;
      this.settle(err, rows, bytes, acks, ids, firstSeq);
      // with room for more batches, what arrived meanwhile was committed at its own loop turn, or
      // waits for the pace (committed now if nothing syncs any more)
      if (!wasFull) {
        if (this.syncing === 0 && this.ids.length > 0 && !this.gatherTimer) this.flush();
        return;
      }
      // The devices answer a released ack with their next event within a few ms. A commit right
      // now would leave those to the sync after next (every event would wait for two syncs): so
      // gather them first, briefly, when the batch says devices may be waiting on us (several acks).
      const cap = Math.min(GATHER_MAX_MS, sync.lastSyncMs * GATHER_SHARE);
      // Expect the answers to all n on top of what already waits: two cohorts of events (one
      // syncing while the other gathers) merge into one instead of alternating for ever.
      // Batches the commit window spaces (fewer than HOLD_MAX events: a quiet site) are left to the
      // window: gathering them would commit the one or two answers at once, a commit per event.
      const windowed = this.window.enabled && n < HOLD_MAX;
      if (!err && n >= 2 && !windowed && cap >= 1) this.gather(this.ids.length + n, performance.now() + cap);
      else if (this.ids.length > 0) this.flush();
    });
  }

  /**
   * Gather after a release: commit once `expected` events wait (the answers to every released
   * ack on top of what already waited), or at `until` (performance.now() ms), whichever is first.
   */
  private gather(expected: number, until: number): void {
    this.gatherFor = expected;
    this.gatherTimer = setTimeout(() => this.endGather(), Math.max(1, until - performance.now()));
  }

  /** End of the gathering after a release: commit what arrived (its fdatasync starts at once). */
  private endGather(): void {
    if (!this.gatherTimer) return;
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * A batch's outcome. Durable: release its acks (the devices' PUBACKs), then feed the forwarder.
   * Failed: the acks get the coded error; rows that were committed (the fdatasync failed) wait in
   * `limbo` for the store to be durable again.
   */
  private settle(
    error: QhError | null,
    rows: CommittedRow[],
    bytes: number,
    acks: Ack[],
    ids: string[],
    firstSeq: number,
  ): void {
    const n = acks.length;
    if (error) {
      this.mFailed.inc();
      this.commitFailure = `${error.code}: ${error.message}`;
      if (rows.length > 0) {
        for (const r of rows) this.limbo.push(r);
        this.limboBytes += bytes;
      }
      for (const ack of acks) ack(error);
      return;
    }
    this.mAccepted.inc(n);
    if (this.limbo.length === 0) this.commitFailure = undefined;
    this.durableSeq = firstSeq + n - 1;
    for (let i = 0; i < n; i++) acks[i]!(null, { id: ids[i]!, seq: firstSeq + i });
    this.o.onCommitted(rows, bytes);
  }

  /** The store is durable again (a full checkpoint and a sync succeeded): rows held back go on. */
  private releaseLimbo(): void {
    if (this.limbo.length === 0) return;
    const rows = this.limbo;
    const bytes = this.limboBytes;
    this.limbo = [];
    this.limboBytes = 0;
    this.commitFailure = undefined;
    this.durableSeq = Math.max(this.durableSeq, rows[rows.length - 1]!.seq);
    this.o.onCommitted(rows, bytes);
  }

  /**
   * Hold the commits until the returned function is called (once): events are still accepted into
   * the batch, acknowledged once committed and durable after the hold. The checkpointer's catch-up
   * holds them so that the WAL can restart after it (src/store/checkpointer.ts). Shutdown commits
   * whatever holds.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0 && this.ids.length > 0 && !this.scheduled && !this.gatherTimer) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    };
  }

  /** Events accepted and not yet committed (the batch being gathered). */
  get uncommitted(): number {
    return this.ids.length;
  }

  /** Events committed whose fdatasync failed, held back until the store is durable again. */
  get heldBack(): number {
    return this.limbo.length;
  }

  /** Stop accepting; resolves once the last batch is committed and settled (acks released). */
  async close(): Promise<void> {
    this.endGather();
    this.flush();
    this.closed = true;
    while (this.syncing > 0 || this.ids.length > 0) {
      await new Promise((r) => setTimeout(r, 2));
      this.flush();
    }
  }
}
