/**
 * Forwarder: the hot loop's second half.
 *
 *   committed rows ─► live lane (memory) ─┐
 *   outbox backlog ─► backlog lane (SQLite pages in seq order) ─┴─► window of QoS 1 publishes
 *   PUBACK ─► acked seq ranges ─► delivery watermark advanced (one small row) once a second
 *
 * After an outage the backlog drains in seq order while live events keep a share of the window,
 * so a fresh pickup event is not queued behind a million old ones. Batching is natural: a message
 * carries whatever is ready, up to `maxEvents`. Nothing is deleted or marked until the upstream
 * broker's PUBACK; a crash just means resending from the first unmarked seq (duplicates, never gaps).
 */
import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.js";
import type { JsonObject, Metrics } from "../core/envelope.js";
import type { Logger } from "../core/logger.js";
import { counter, gauge, histogram } from "../core/metrics.js";
import { type Db, withoutFsync } from "../store/db.js";
import type { DeviceStateTable } from "../store/device-state.js";
import { storeFaultOf } from "../store/disk.js";
import type { Outbox, OutboxRow } from "../store/outbox.js";
import type { TelemetryBuffer } from "../store/telemetry-buffer.js";
import type { UplinkConnection } from "../uplink/connection.js";
import type { UplinkTopics } from "../uplink/topics.js";
import type { CommittedRow } from "./ingest.js";

export interface ForwarderOptions {
  db: Db;
  outbox: Outbox;
  telemetry: TelemetryBuffer;
  states: DeviceStateTable;
  conn: UplinkConnection;
  topics: UplinkTopics;
  clock: Clock;
  log: Logger;
  registry: Registry;
  maxEvents: number;
  /** QoS 1 messages in flight */
  window: number;
  lastSeq: () => number;
  /** lossy tier refused (disk low) */
  telemetryRefused: () => boolean;
}

/**
 * How often acknowledged ranges are marked delivered. Each flush writes one page (the delivery
 * watermark): once a second keeps that under a tenth of a page per event at a trickle of 10/s,
 * and a crash costs at most a second of events sent twice (at-least-once; never a loss).
 */
const MARK_EVERY_MS = 1000;

/** Live rows kept in memory at most; beyond this the live lane folds into the backlog lane. */
const LIVE_CAP = 20_000;

export class Forwarder {
  private live: CommittedRow[] = [];
  private liveHead = 0;
  private cursor = 1;
  private backlogEnd = 0;
  private inflight = 0;
  private liveInflight = 0;
  private backlogInflight = 0;
  private acked: [number, number][] = [];
  private closed = false;
  private markScheduled = false;
  private pending: number;
  private readonly liveShare: number;
  private readonly backlogShare: number;
  private readonly mDelivered;
  private readonly mPending;
  private readonly mLatency;
  private readonly mMessages;
  private readonly mTeleDropped;
  private readonly mTele;

  constructor(private readonly o: ForwarderOptions) {
    this.pending = o.outbox.stats().pending;
    this.liveShare = Math.max(1, Math.floor(o.window / 2));
    // The backlog lane never fills the whole window: a fresh event always finds a free slot, and
    // waits behind at most this many backlog messages.
    this.backlogShare = Math.max(1, o.window - this.liveShare);
    this.mDelivered = counter(
      o.registry,
      "qh_events_delivered_total",
      "Events acknowledged by the upstream broker",
    );
    this.mPending = gauge(
      o.registry,
      "qh_outbox_pending",
      "Events accepted and not yet acknowledged upstream",
    );
    this.mLatency = histogram(
      o.registry,
      "qh_forward_latency_seconds",
      "From commit to upstream PUBACK, live lane",
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    );
    this.mMessages = counter(o.registry, "qh_uplink_messages_total", "Uplink messages published", ["kind"]);
    this.mTeleDropped = counter(
      o.registry,
      "qh_telemetry_dropped_total",
      "Telemetry samples dropped or merged",
      ["reason"],
    );
    this.mTele = counter(o.registry, "qh_telemetry_received_total", "Telemetry samples received");
    this.mPending.set(this.pending);
    o.conn.on("connected", () => this.onConnected());
    o.conn.on("disconnected", () => this.onDisconnected());
  }

  get pendingCount(): number {
    return this.pending;
  }

  get backlogging(): boolean {
    return this.cursor <= this.backlogEnd;
  }

  /** From ingest, after each commit. */
  onCommitted(rows: CommittedRow[]): void {
    this.pending += rows.length;
    this.mPending.set(this.pending);
    if (!this.o.conn.connected) return;
    if (this.live.length - this.liveHead + rows.length > LIVE_CAP) {
      // Too much in memory: leave it to the backlog lane, read from SQLite in seq order, starting
      // from the first live row not yet sent (rows already in flight may go twice: at-least-once).
      const firstUnsent = this.liveHead < this.live.length ? this.live[this.liveHead]!.seq : rows[0]!.seq;
      if (this.cursor > this.backlogEnd) this.cursor = firstUnsent;
      this.backlogEnd = rows[rows.length - 1]!.seq;
      this.live = [];
      this.liveHead = 0;
    } else {
      for (const r of rows) this.live.push(r);
    }
    this.pump();
  }

  private onConnected(): void {
    this.inflight = 0;
    this.liveInflight = 0;
    this.backlogInflight = 0;
    this.live = [];
    this.liveHead = 0;
    // acknowledgements still waiting for their mark go to disk first: what the platform already
    // has is not sent again just because the link came back within MARK_EVERY_MS
    this.flushMarks();
    const last = this.o.lastSeq();
    this.cursor = this.o.outbox.minPending() ?? last + 1;
    this.backlogEnd = last;
    for (const s of this.o.states.all()) this.publishState(s.device, s.ts, s.doc);
    this.o.log.info({ fromSeq: this.cursor, toSeq: this.backlogEnd }, "uplink up: draining outbox");
    this.pump();
  }

  private onDisconnected(): void {
    this.inflight = 0;
    this.liveInflight = 0;
    this.backlogInflight = 0;
    this.live = [];
    this.liveHead = 0;
  }

  private pump(): void {
    const conn = this.o.conn;
    const window = this.o.window;
    while (conn.connected && this.inflight < window) {
      const liveReady = this.liveHead < this.live.length;
      const backlogReady = this.cursor <= this.backlogEnd;
      if (liveReady && (!backlogReady || this.liveInflight < this.liveShare)) {
        this.sendLive();
      } else if (backlogReady && this.backlogInflight < this.backlogShare) {
        if (!this.sendBacklog()) break;
      } else break;
    }
    if (!this.backlogging && this.liveHead >= this.live.length && this.o.telemetry.size > 0)
      this.drainTelemetry();
    // compact the live queue now and then
    if (this.liveHead > 4096 && this.liveHead * 2 > this.live.length) {
      this.live = this.live.slice(this.liveHead);
      this.liveHead = 0;
    }
  }

  private sendLive(): void {
    const start = this.liveHead;
    const end = Math.min(this.live.length, start + this.o.maxEvents);
    const rows = this.live.slice(start, end);
    this.liveHead = end;
    this.liveInflight++;
    this.send(rows, true);
  }

  private sendBacklog(): boolean {
    const rows = this.o.outbox.pendingPage(this.cursor, this.backlogEnd, this.o.maxEvents);
    if (rows.length === 0) {
      this.cursor = this.backlogEnd + 1;
      return true;
    }
    this.cursor = rows[rows.length - 1]!.seq + 1;
    this.send(rows, false);
    return true;
  }

  private send(rows: (OutboxRow | CommittedRow)[], live: boolean): void {
    const conn = this.o.conn;
    const gen = conn.generation;
    const first = rows[0]!.seq;
    const last = rows[rows.length - 1]!.seq;
    const at = live ? (rows[0] as CommittedRow).at : 0;
    this.inflight++;
    if (!live) this.backlogInflight++;
    const done = (err?: Error) => {
      if (!err) {
        this.ack(first, last);
        if (live) this.mLatency.observe((this.o.clock.now() - at) / 1000);
      }
      if (gen !== conn.generation) return;
      this.inflight--;
      if (live) this.liveInflight--;
      else this.backlogInflight--;
      this.pump();
    };
    if (this.o.maxEvents === 1) {
      const r = rows[0]!;
      conn.publish(this.o.topics.event(r.device, r.type), r.body, 1, false, done);
    } else {
      let payload = "[";
      for (let i = 0; i < rows.length; i++) payload += i === 0 ? rows[i]!.body : `,${rows[i]!.body}`;
      conn.publish(this.o.topics.events, `${payload}]`, 1, false, done);
    }
    this.mMessages.inc({ kind: "events" });
  }

  private ack(first: number, last: number): void {
    // delivered now (the platform acknowledged it); the mark on disk follows within MARK_EVERY_MS
    const n = last - first + 1;
    this.pending = Math.max(0, this.pending - n);
    this.mDelivered.inc(n);
    this.mPending.set(this.pending);
    const prev = this.acked[this.acked.length - 1];
    if (prev && prev[1] + 1 === first) prev[1] = last;
    else this.acked.push([first, last]);
    if (!this.markScheduled) {
      this.markScheduled = true;
      setTimeout(() => this.flushMarks(), MARK_EVERY_MS);
    }
  }

  /**
   * Mark acknowledged ranges delivered (the outbox's watermark), every MARK_EVERY_MS, without an fsync of
   * its own: a mark lost to a power cut only means the event is sent again (at-least-once; the
   * platform de-duplicates by id), and the next event commit makes it durable anyway.
   */
  flushMarks(): void {
    this.markScheduled = false;
    if (this.acked.length === 0 || this.closed) return;
    const ranges = this.acked;
    this.acked = [];
    try {
      withoutFsync(this.o.db, () => this.o.outbox.markDelivered(ranges, this.o.clock.now()));
    } catch (err) {
      // The disk refused the marks: keep them for the next try (the store's fault state retries
      // once it writes again). Unmarked events are at worst sent again, never lost.
      const e = storeFaultOf(this.o.db).record(err, "outbox delivery marks");
      if (e === err) throw err;
      this.acked = mergeRanges(ranges, this.acked);
    }
  }

  /** Last marks, then nothing more touches the database. */
  close(): void {
    this.flushMarks();
    this.closed = true;
  }

  // ---- telemetry: QoS 0, lossy ------------------------------------------------------------

  telemetry(device: string, metrics: Metrics, ts = this.o.clock.now()): void {
    this.mTele.inc();
    if (this.o.conn.connected && !this.backlogging && this.o.telemetry.size === 0) {
      this.publishTele(device, ts, metrics);
      return;
    }
    if (this.o.telemetryRefused()) {
      this.mTeleDropped.inc({ reason: "disk_low" });
      return;
    }
    let dropped: number;
    try {
      dropped = this.o.telemetry.add(device, ts, metrics);
    } catch (err) {
      if (storeFaultOf(this.o.db).record(err, "telemetry buffer") === err) throw err;
      this.mTeleDropped.inc({ reason: "disk_low" });
      return;
    }
    if (dropped > 0) this.mTeleDropped.inc({ reason: "buffer_full" }, dropped);
  }

  private publishTele(device: string, ts: number, metrics: Metrics): void {
    const payload = `{"ts":"${new Date(ts).toISOString()}","device":"${device}","metrics":${JSON.stringify(metrics)}}`;
    this.o.conn.publish(this.o.topics.tele(device), payload, 0, false);
    this.mMessages.inc({ kind: "tele" });
  }

  private drainTelemetry(): void {
    const rows = this.o.telemetry.take(200);
    if (rows.length === 0) return;
    for (const r of rows) this.publishTele(r.device, r.ts, r.metrics);
    try {
      this.o.telemetry.remove(rows[rows.length - 1]!.rowid);
    } catch (err) {
      // sent but not removed: it may go again (telemetry is lossy and idempotent by ts)
      if (storeFaultOf(this.o.db).record(err, "telemetry buffer") === err) throw err;
      return;
    }
    if (this.o.telemetry.size > 0) setImmediate(() => this.pump());
  }

  // ---- state: retained, re-announced on every connect ---------------------------------------

  state(device: string, doc: JsonObject, ts = this.o.clock.now()): void {
    try {
      this.o.states.put(device, ts, doc);
    } catch (err) {
      // not kept for the next connect, but still published now (retained upstream)
      if (storeFaultOf(this.o.db).record(err, "device state") === err) throw err;
    }
    this.publishState(device, ts, doc);
  }

  /** A device connected or went away: its state document keeps its content, `online` changes. */
  presence(device: string, online: boolean, ts = this.o.clock.now()): void {
    const prior = this.o.states.get(device);
    this.state(device, { ...(prior ?? {}), online }, ts);
  }

  private publishState(device: string, ts: number, doc: JsonObject): void {
    if (!this.o.conn.connected) return;
    // the gateway's own fields win over anything a document carries
    const payload = JSON.stringify({ online: true, ...doc, ts: new Date(ts).toISOString(), device });
    this.o.conn.publish(this.o.topics.state(device), payload, 1, true);
    this.mMessages.inc({ kind: "state" });
  }

  /** Republish retained events [from, to] (the `replay` command). Does not touch delivery marks. */
  replay(from: number, to: number, limit: number): Promise<{ events: number; messages: number }> {
    const rows = this.o.outbox.range(from, to, limit);
    const per = this.o.maxEvents;
    const batches: OutboxRow[][] = [];
    for (let i = 0; i < rows.length; i += per) batches.push(rows.slice(i, i + per));
    return Promise.all(
      batches.map(
        (b) =>
          new Promise<void>((resolve, reject) => {
            const cb = (err?: Error) => (err ? reject(err) : resolve());
            if (per === 1)
              this.o.conn.publish(this.o.topics.event(b[0]!.device, b[0]!.type), b[0]!.body, 1, false, cb);
            else
              this.o.conn.publish(this.o.topics.events, `[${b.map((r) => r.body).join(",")}]`, 1, false, cb);
          }),
      ),
    ).then(() => ({ events: rows.length, messages: batches.length }));
  }
}

/** Two sorted lists of seq ranges as one, adjacent ranges joined. */
function mergeRanges(a: readonly [number, number][], b: readonly [number, number][]): [number, number][] {
  const all = [...a, ...b].map((r): [number, number] => [r[0], r[1]]).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of all) {
    const prev = out[out.length - 1];
    if (prev && r[0] <= prev[1] + 1) prev[1] = Math.max(prev[1], r[1]);
    else out.push(r);
  }
  return out;
}
