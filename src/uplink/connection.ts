/**
 * The uplink MQTT connection (mqtt.js): retained `status` with a last-will, reconnect with jittered
 * exponential back-off, a fresh client per attempt (so nothing is silently re-sent from mqtt.js's
 * in-memory store: the outbox in SQLite is the only source of truth for what is pending).
 *
 * A half-open connection (the platform gone without a FIN: a NAT or mobile link dropped, a frozen
 * peer) is found by the MQTT keepalive: mqtt.js 5 (KeepaliveManager) sends PINGREQ once nothing has
 * been received for `keepaliveSeconds` and gives up when nothing has come back by 1.5 × that (any
 * PUBACK or PINGRESP counts; packets we send do not). Default 8 s: dead within 12 s. TCP alone
 * would take minutes (retransmission timeout), or forever for a connection with nothing to send.
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { redactUrl } from "../core/redact.js";
import type { UplinkTopics } from "./topics.js";

export interface ConnectionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  reconnect: { minMs: number; maxMs: number };
  /** MQTT keepalive, seconds (see the header). Default 8. */
  keepaliveSeconds?: number;
  topics: UplinkTopics;
  statusInfo: { version: string; bootId: string; startedAt: string };
  /**
   * The live part of `status` (the site mode: `{ mode }`), read at every publish; not in the last
   * will, which is fixed at connect time and could be stale by the time the broker sends it.
   */
  statusExtra?: () => Record<string, unknown>;
  log: Logger;
}

export type PublishCb = (err?: Error) => void;

/** Why the last connection ended, for /health and the log. */
export type DropReason = "half-open" | "closed" | "connect-failed";

/** The uplink's part of /health. */
export interface UplinkHealth {
  connected: boolean;
  keepaliveSeconds: number;
  /** the last time the connection ended (or an attempt failed), and why */
  lastDrop?: { reason: DropReason; at: string; message?: string };
}

export interface UplinkEvents {
  connected: [];
  disconnected: [];
  message: [topic: string, payload: Buffer];
}

export class UplinkConnection extends EventEmitter<UplinkEvents> {
  private client: MqttClient | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private _connected = false;
  private lastDrop: UplinkHealth["lastDrop"];
  /** increments on every (re)connect, so late callbacks from an old client can be told apart */
  generation = 0;

  private readonly tlsFiles: { ca?: Buffer; cert?: Buffer; key?: Buffer };

  constructor(private readonly o: ConnectionOptions) {
    super();
    // Read TLS files once, at start: a missing file is a clear error now, not a reconnect loop.
    this.tlsFiles = readTlsFiles(o.tls);
  }

  get connected(): boolean {
    return this._connected;
  }

  get keepaliveSeconds(): number {
    return this.o.keepaliveSeconds ?? 8;
  }

  health(): UplinkHealth {
    return {
      connected: this._connected,
      keepaliveSeconds: this.keepaliveSeconds,
      ...(this.lastDrop ? { lastDrop: this.lastDrop } : {}),
    };
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private statusPayload(online: boolean, live = true): string {
    const extra = live ? (this.o.statusExtra?.() ?? {}) : {};
    return JSON.stringify({ online, ...this.o.statusInfo, ...extra, ts: new Date().toISOString() });
  }

  /** Publish the retained online `status` again (its live part changed); nothing while offline. */
  republishStatus(): void {
    if (!this._connected || !this.client) return;
    this.client.publish(this.o.topics.status, this.statusPayload(true), { qos: 1, retain: true });
  }

  private connect(): void {
    if (this.stopped) return;
    const tls = this.o.tls;
    const opts: IClientOptions = {
      clientId: this.o.clientId,
      clean: true,
      keepalive: this.keepaliveSeconds,
      reschedulePings: true, // only packets received reschedule the ping (mqtt.js 5 handlers)
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      username: this.o.username,
      password: this.o.password,
      will: {
        topic: this.o.topics.status,
        payload: Buffer.from(this.statusPayload(false, false)),
        qos: 1,
        retain: true,
      },
    };
    if (tls) {
      if (this.tlsFiles.ca) opts.ca = this.tlsFiles.ca;
      if (this.tlsFiles.cert) opts.cert = this.tlsFiles.cert;
      if (this.tlsFiles.key) opts.key = this.tlsFiles.key;
      opts.rejectUnauthorized = tls.rejectUnauthorized ?? true;
    }
    const client = mqtt.connect(this.o.url, opts);
    this.client = client;
    let closed = false;
    client.on("connect", () => {
      if (this.stopped || closed) return; // a CONNACK after stop(): the client is being ended
      this.attempt = 0;
      this._connected = true;
      this.generation++;
      this.o.log.info({ url: redactUrl(this.o.url) }, "uplink connected");
      // small publishes (a vend.authorize with a deadline, PUBACKs) go out at once, not held by Nagle
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      client.publish(this.o.topics.status, this.statusPayload(true), { qos: 1, retain: true });
      client.subscribe(this.o.topics.cmdFilter, { qos: 1 });
      this.emit("connected");
    });
    client.on("message", (topic, payload) => this.emit("message", topic, payload));
    let halfOpen = false;
    client.on("error", (err) => {
      // mqtt.js: "Keepalive timeout" right after it closed the stream (KeepaliveManager)
      if (err.message === "Keepalive timeout") {
        halfOpen = true;
        this.lastDrop = { reason: "half-open", at: new Date().toISOString(), message: err.message };
        this.o.log.warn(
          { keepaliveSeconds: this.keepaliveSeconds },
          "uplink half-open: nothing came back within the keepalive; dropping the connection",
        );
      } else this.o.log.warn({ err: err.message }, "uplink error");
    });
    const onGone = () => {
      if (closed) return;
      closed = true;
      const was = this._connected;
      if (!halfOpen)
        this.lastDrop = { reason: was ? "closed" : "connect-failed", at: new Date().toISOString() };
      this._connected = false;
      client.removeAllListeners("connect");
      client.end(true);
      if (was) {
        this.o.log.warn("uplink disconnected");
        this.emit("disconnected");
      }
      this.scheduleReconnect();
    };
    client.on("close", onGone);
    client.on("offline", onGone);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const { minMs, maxMs } = this.o.reconnect;
    const cap = Math.min(maxMs, minMs * 2 ** Math.min(this.attempt, 16));
    // Full jitter: spread a fleet's reconnects after a platform outage.
    const delay = minMs / 2 + Math.random() * (cap - minMs / 2);
    this.attempt++;
    this.o.log.debug({ delayMs: Math.round(delay), attempt: this.attempt }, "uplink reconnect scheduled");
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, delay);
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, cb?: PublishCb): boolean {
    const c = this.client;
    if (!c || !this._connected) {
      cb?.(new Error("uplink not connected"));
      return false;
    }
    c.publish(topic, payload, { qos, retain }, cb);
    return true;
  }

  /** Publish offline status and close. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.client;
    if (!c) return;
    if (this._connected) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        c.publish(this.o.topics.status, this.statusPayload(false), { qos: 1, retain: true }, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this._connected = false;
    c.removeAllListeners("connect");
    await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
  }
}

/**
 * Read `uplink.tls` files (CA, client certificate, key) once. Also used by `config check`, so that a
 * config it passes does not fail at start.
 * @throws QhError QH_UPLINK_CONFIG naming the key and the file that cannot be read.
 */
export function readTlsFiles(tls: { ca?: string; cert?: string; key?: string } | undefined): {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
} {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const k of ["ca", "cert", "key"] as const) {
    const f = tls?.[k];
    if (!f) continue;
    try {
      out[k] = readFileSync(f);
    } catch (err) {
      throw new QhError("QH_UPLINK_CONFIG", `uplink.tls.${k}: cannot read ${f}: ${(err as Error).message}`);
    }
  }
  return out;
}
