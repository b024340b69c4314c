/**
 * The live view's source: what the gateway sees as it happens, tapped where it already flows
 * (gateway.ts: committed events, device state documents, telemetry, presence) and handed to the
 * SSE route (src/api/ops/live.ts). Nothing is stored or queued here: with no listener a tap costs a
 * counter check.
 *
 *   ingest commit ─► event   { seq, device, type, ts, data }
 *   state doc / presence ─► device { device, online?, state? }
 *   telemetry of a cold controller ─► cold { device, zones: { zone: { temperatureC?, quality, inAlarm } } }
 *   bus masters (site lines) ─► bus { bus, connected, targets }           (src/api/ops/live.ts)
 */
import type { JsonObject, Metrics } from "../../core/envelope.js";
import { type Listener, TypedBus } from "../../core/event-bus.js";

export interface LiveEvent {
  seq: number;
  device: string;
  type: string;
  ts?: string;
  data?: unknown;
}

export interface LiveDevice {
  device: string;
  online?: boolean;
  state?: JsonObject;
}

export interface LiveCold {
  device: string;
  zones: Record<string, { temperatureC?: number; setpointC?: number; quality?: string; inAlarm?: boolean }>;
}

export type LiveEvents = {
  event: LiveEvent;
  device: LiveDevice;
  cold: LiveCold;
};

/** The taps the gateway calls, and the subscriptions the live route makes. */
/** What the live view shows instead of a secret (a pickup code). */
export const HIDDEN = "••••••";

function hideCodes(v: unknown): void {
  if (v === null || typeof v !== "object") return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if ((k === "code" || k.endsWith("Code")) && (typeof x === "string" || typeof x === "number"))
      (v as Record<string, unknown>)[k] = HIDDEN;
    else hideCodes(x);
  }
}

export class LiveHub {
  private readonly bus: TypedBus<LiveEvents>;
  private listeners = 0;

  constructor(onListenerError?: (event: string, err: unknown) => void) {
    this.bus = new TypedBus<LiveEvents>(onListenerError);
  }

  /** @returns unsubscribe */
  on<K extends keyof LiveEvents>(event: K, listener: Listener<LiveEvents[K]>): () => void {
    const off = this.bus.on(event, listener);
    this.listeners++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.listeners--;
      off();
    };
  }

  private secrets: { type: string; path: string[] }[] = [];

  /**
   * Secrets the live view never shows (the extensions' `scrubAfterDelivery` paths, e.g.
   * parcel.deposited `$.data.pickupCode`): their value is replaced by {@link HIDDEN}. Besides
   * those, a distribution event's keys named `code` or ending in `Code` are hidden too.
   */
  hide(list: readonly { type: string; path: string }[]): void {
    this.secrets = list.flatMap((x) => {
      const m = /^\$\.data((?:\.[A-Za-z0-9_]+)+)$/.exec(x.path);
      return m ? [{ type: x.type, path: m[1]!.slice(1).split(".") }] : [];
    });
  }

  private mask(type: string, data: unknown): unknown {
    const paths = this.secrets.filter((x) => x.type === type);
    const distribution = type.startsWith("distribution.");
    if ((paths.length === 0 && !distribution) || data === null || typeof data !== "object") return data;
    const copy = structuredClone(data) as Record<string, unknown>;
    for (const { path } of paths) {
      let at: unknown = copy;
      for (const key of path.slice(0, -1)) at = (at as Record<string, unknown> | undefined)?.[key];
      const last = path[path.length - 1]!;
      if (at !== null && typeof at === "object" && last in at) (at as Record<string, unknown>)[last] = HIDDEN;
    }
    if (distribution) hideCodes(copy);
    return copy;
  }

  /** Committed events (rows of the ingest: `body` is the stored envelope JSON). */
  events(rows: readonly { seq: number; device: string; type: string; body: string }[]): void {
    if (this.listeners === 0) return;
    for (const r of rows) {
      let env: { ts?: string; data?: unknown } = {};
      try {
        env = JSON.parse(r.body) as typeof env;
      } catch {
        // a body that is not JSON is still an event: shown without data
      }
      const data = this.mask(r.type, env.data);
      this.bus.emit("event", { seq: r.seq, device: r.device, type: r.type, ts: env.ts, data });
    }
  }

  state(device: string, doc: JsonObject): void {
    if (this.listeners > 0) this.bus.emit("device", { device, state: doc });
  }

  presence(device: string, online: boolean): void {
    if (this.listeners > 0) this.bus.emit("device", { device, online });
  }

  /** Telemetry: only cold-zone figures (`{zone}.temperatureC`, `.quality`, …) are shown live. */
  telemetry(device: string, metrics: Metrics): void {
    if (this.listeners === 0) return;
    const zones: LiveCold["zones"] = {};
    for (const [key, value] of Object.entries(metrics)) {
      const m = /^(.+)\.(temperatureC|setpointC|quality|inAlarm)$/.exec(key);
      if (!m) continue;
      zones[m[1]!] ??= {};
      (zones[m[1]!] as Record<string, unknown>)[m[2]!] = value;
    }
    if (Object.keys(zones).length > 0) this.bus.emit("cold", { device, zones });
  }
}

/** Event types that are errors (the live view's `errors=1`): jams, faults, failures, alarms. */
export function isErrorEventType(type: string): boolean {
  return /(jam|forced|left_open|fault|fail|alarm|breach|unreachable|error|denied|overdue)/.test(type);
}
