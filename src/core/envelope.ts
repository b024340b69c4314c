/**
 * The event envelope: the same for every business event whatever its source
 * (serial driver, MQTT device, kiosk action). See docs/contract.md.
 */
export type JsonObject = { [key: string]: unknown };

/** What a producer hands to ingest. `id` and `seq` are fixed by ingest at acceptance. */
export interface EventInput {
  device: string;
  type: string;
  data: JsonObject;
  /** When it happened (epoch ms). Defaults to acceptance time. */
  ts?: number;
}

/** An accepted, durable event: committed to SQLite with its id and seq. */
export interface EventEnvelope {
  id: string;
  seq: number;
  ts: string;
  gw: string;
  device: string;
  type: string;
  data: JsonObject;
}

export interface AcceptedEvent {
  id: string;
  seq: number;
}

/** Anything that can make an event durable: ingest implements it; domain services depend on it. */
export interface EventSink {
  /** Resolves once the event is committed (durable). Rejects with a QhError if it cannot be accepted. */
  emit(input: EventInput): Promise<AcceptedEvent>;
}

/** Lossy telemetry: numbers, booleans, short strings. */
export type Metrics = Record<string, number | boolean | string>;

export interface TelemetrySink {
  telemetry(device: string, metrics: Metrics, ts?: number): void;
}

/** Device state documents (retained upstream). */
export interface StateSink {
  state(device: string, doc: JsonObject): void;
}

/** Longest event type accepted, characters. */
export const EVENT_TYPE_MAX = 64;
/** Event types: dot-separated `[a-z0-9_]+` words, at most EVENT_TYPE_MAX characters. */
export const EVENT_TYPE_RE = /^(?=.{1,64}$)[a-z0-9_]+(\.[a-z0-9_]+)*$/;
/**
 * Distinct event types one device may use (each is a row of the outbox's kinds dictionary, kept
 * for ever): a publish of a new type past this is dropped (`too_many_types`).
 */
export const MAX_EVENT_TYPES_PER_DEVICE = 64;
export const DEVICE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const GATEWAY_ID_RE = /^[a-z0-9-]{1,64}$/;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
