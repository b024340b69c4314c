/**
 * The outbox row (core schema 3) and the envelope built from it at send time.
 *
 * A row keeps what the envelope cannot be rebuilt without, compactly: the 16 bytes of the UUIDv7
 * id, `ts` as an integer (epoch ms), the (gateway, device, type) triple as a small integer through
 * `event_kinds`, flags, and the device's payload text exactly as accepted. The envelope
 * (docs/contract.md "Event envelope") is put together when the event is sent: `envelopeText`
 * builds it, for the live lane in ingest and for the backlog, replay and CLI paths from the row,
 * the same bytes both ways.
 */

import { uuidText } from "../core/ids.js";

/** The event was accepted while the gateway's clock was not synchronised: `"clock":"unsynced"`. */
export const FLAG_UNSYNCED = 1;
/**
 * `data` holds the whole envelope as it was stored before schema 3 (a row the v3 migration could
 * not rebuild byte for byte); it is sent as it is.
 */
export const FLAG_VERBATIM = 2;

/**
 * The envelope as sent upstream (the exact bytes): `data` is the payload's JSON text as accepted
 * (never re-serialised), `ts` epoch ms (ISO 8601 UTC with milliseconds in the envelope). `id`,
 * `gw`, `device` and `type` are inserted as they are: they match their patterns (no escaping).
 */
export function envelopeText(
  id: string,
  seq: number,
  ts: number,
  gw: string,
  device: string,
  type: string,
  data: string,
  unsynced: boolean,
): string {
  return `{"id":"${id}","seq":${seq},"ts":"${isoOf(ts)}","gw":"${gw}","device":"${device}","type":"${type}","data":${data}${unsynced ? ',"clock":"unsynced"' : ""}}`;
}

/** The last `ts` formatted, and its text: a batch's events mostly share their millisecond. */
let lastIsoTs = Number.NaN;
let lastIso = "";

/** `ts` (epoch ms) as ISO 8601 UTC with milliseconds; a RangeError for a time Date cannot hold. */
function isoOf(ts: number): string {
  if (ts !== lastIsoTs) {
    lastIso = new Date(ts).toISOString();
    lastIsoTs = ts;
  }
  return lastIso;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The value of a lower-case hex digit by its character code, -1 for any other ASCII character. */
const NIBBLE = Int8Array.from({ length: 128 }, (_, c) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1,
);

/** Whether `id` is a UUID in the canonical lower-case form that `idToBytes` stores. */
export function isCanonicalUuid(id: string): boolean {
  return UUID_RE.test(id);
}

/**
 * The 16 bytes of a canonical (lower-case, hyphenated) UUID. Throws a TypeError for anything else
 * (ingest's ids always are: src/core/ids.ts).
 */
export function idToBytes(id: string): Buffer {
  if (id.length !== 36) throw new TypeError(`not a canonical UUID: ${id}`);
  // decoded in place, two characters a byte: it runs for every event in the group commit, where
  // five slices, a regular expression and five native hex writes cost 2–3 % of the gateway's CPU
  const b = Buffer.allocUnsafe(16);
  let j = 0;
  let i = 0;
  while (i < 36) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (id.charCodeAt(i) !== 0x2d) throw new TypeError(`not a canonical UUID: ${id}`);
      i++;
      continue;
    }
    const hi = NIBBLE[id.charCodeAt(i)] ?? -1;
    const lo = NIBBLE[id.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new TypeError(`not a canonical UUID: ${id}`);
    b[j++] = (hi << 4) | lo;
    i += 2;
  }
  return b;
}

/** The canonical text of a 16-byte UUID (the inverse of idToBytes). */
export function idFromBytes(b: Uint8Array): string {
  return uuidText(b);
}

/** A row of core schema 2, as the v3 migration reads it. */
export interface V2Row {
  seq: number;
  id: string;
  ts: number;
  device: string;
  type: string;
  body: string;
}

/** What a v2 row becomes: compact when its envelope can be rebuilt byte for byte, else verbatim. */
export interface V3Fields {
  id: Buffer | string;
  gw: string;
  flags: number;
  data: string;
}

const UNSYNCED_TAIL = ',"clock":"unsynced"}';

/**
 * Split a v2 envelope into the compact fields, and check that `envelopeText` gives back exactly
 * the stored bytes (so a migrated event is sent as it would have been). Anything else (an id that
 * is not a canonical UUID, a body in another shape: a test's row, a hand edit) is kept verbatim.
 */
export function fromV2(r: V2Row): V3Fields {
  const verbatim: V3Fields = { id: r.id, gw: "", flags: FLAG_VERBATIM, data: r.body };
  if (!isCanonicalUuid(r.id) || !Number.isFinite(r.ts)) return verbatim;
  let iso: string;
  try {
    iso = new Date(r.ts).toISOString();
  } catch {
    return verbatim;
  }
  const head = `{"id":"${r.id}","seq":${r.seq},"ts":"${iso}","gw":"`;
  if (!r.body.startsWith(head)) return verbatim;
  const gwEnd = r.body.indexOf('"', head.length);
  if (gwEnd < 0) return verbatim;
  const gw = r.body.slice(head.length, gwEnd);
  const mid = `","device":"${r.device}","type":"${r.type}","data":`;
  if (!r.body.startsWith(mid, gwEnd)) return verbatim;
  const unsynced = r.body.endsWith(UNSYNCED_TAIL);
  const data = r.body.slice(gwEnd + mid.length, r.body.length - (unsynced ? UNSYNCED_TAIL.length : 1));
  if (envelopeText(r.id, r.seq, r.ts, gw, r.device, r.type, data, unsynced) !== r.body) return verbatim;
  try {
    const v = JSON.parse(data) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return verbatim;
  } catch {
    return verbatim;
  }
  return { id: idToBytes(r.id), gw, flags: unsynced ? FLAG_UNSYNCED : 0, data };
}
