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
 */
import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.js";
import {
  type AcceptedEvent,
  EVENT_TYPE_RE,
  type EventInput,
  type EventSink,
  isJsonObject,
} from "../core/envelope.js";
import { QhError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { counter, histogram } from "../core/metrics.js";
import type { Db } from "../store/db.js";
import { storeFaultOf } from "../store/disk.js";
import { envelopeText } from "../store/event-row.js";
import type { Outbox } from "../store/outbox.js";
import { CommitWindow } from "./commit-window.js";

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
}

/**
 * An event's cost on disk before it is committed, as the quota counts it: its page and its WAL
 * frame (×2), the envelope and the row's other columns and index entries (+512 bytes).
 */
export const PENDING_OVERHEAD = { factor: 2, perRow: 512 };

export class Ingest implements EventSink {
  /** estimated bytes of the batch not yet committed */
  private pendingBytes = 0;
  private ids: string[] = [];
  private tss: number[] = [];
  /** per event: accepted while the gateway's clock was not synchronised */
  private unsynced: boolean[] = [];
  private devices: string[] = [];
  private types: string[] = [];
  /** the `data` member, already serialised as JSON text */
  private datas: string[] = [];
  private acks: Ack[] = [];
  private scheduled = false;
  private nextSeq: number;
  private closed = false;
  private readonly tx: (n: number, firstSeq: number, bodies: string[]) => void;
  private readonly mBatch;
  private readonly mCommit;
  private readonly mAccepted;
  private readonly mFailed;
  private readonly window: CommitWindow;

  constructor(private readonly o: IngestOptions) {
    this.nextSeq = o.outbox.lastSeq() + 1;
    this.window = new CommitWindow(o.commitWindowMs ?? 0, () => o.clock.mono());
    this.tx = o.db.transaction((n: number, firstSeq: number, _bodies: string[]) => {
      // the row keeps the payload and compact metadata; the envelope (bodies) goes to the live lane
      const o = this.o;
      o.outbox.insertMany(
        o.gatewayId,
        firstSeq,
        n,
        this.ids,
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

  /** The last group commit failed with this message (cleared by the next one that succeeds): /health. */
  commitFailure: string | undefined;

  /** The seq the next accepted event will get. */
  get lastSeq(): number {
    return this.nextSeq - 1;
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
      : this.o.refuse?.(this.pendingBytes + cost);
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
    this.ids.push(newId(now));
    this.tss.push(ts ?? now);
    this.unsynced.push(!this.o.clock.synced());
    this.devices.push(device);
    this.types.push(type);
    this.datas.push(dataJson);
    this.acks.push(ack);
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

  /** Commit the current batch now. Called once per loop turn, and on shutdown. */
  flush(): void {
    this.scheduled = false;
    const bytes = this.pendingBytes;
    this.pendingBytes = 0;
    const n = this.ids.length;
    if (n === 0) return;
    this.window.committing();
    const ids = this.ids;
    const devices = this.devices;
    const types = this.types;
    const acks = this.acks;
    const firstSeq = this.nextSeq;
    const t0 = performance.now();
    const bodies: string[] = new Array(n);
    for (let i = 0; i < n; i++) bodies[i] = this.body(i, firstSeq + i);
    let error: Error | null = null;
    try {
      this.tx(n, firstSeq, bodies);
      this.nextSeq += n;
      this.commitFailure = undefined;
    } catch (err) {
      // a disk failure puts the store in its fault state (refusing until the disk takes writes)
      const recorded = storeFaultOf(this.o.db).record(err, "event commit");
      error =
        recorded instanceof QhError
          ? recorded
          : new QhError("QH_STORE_FULL", `commit failed: ${(err as Error).message}`);
      this.mFailed.inc();
      this.commitFailure = error.message;
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
    this.mCommit.observe((performance.now() - t0) / 1000);
    this.mBatch.observe(n);
    if (error) {
      for (const ack of acks) ack(error);
      return;
    }
    this.mAccepted.inc(n);
    // Durable now: release the acks (the devices' PUBACKs), then feed the forwarder.
    for (let i = 0; i < n; i++) acks[i]!(null, { id: ids[i]!, seq: firstSeq + i });
    this.o.onCommitted(rows, bytes);
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
