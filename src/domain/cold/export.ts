/**
 * Exports of the temperature record, streamed: a Readable that the record fills block by block and
 * that waits whenever its reader is behind (an export of a zone-year is never built in memory).
 *
 *   csv:  seq,time,temperatureC,quality,clock        (one reading a line; empty temperature = a gap)
 *   json: {"zone":…,"from":…,"to":…,"readings":[{"seq","time","temperatureC","quality","clock"?},…]}
 *
 * `clock` is "unsynced" for a reading taken while the wall clock was not known right (its time may
 * be wrong; its place in the sequence is not), and absent in JSON / "synced" in CSV otherwise.
 * The range is [from, to) (from inclusive, to exclusive); readings come in sequence order.
 */
import { Readable } from "node:stream";
import { QhError } from "../../core/errors.js";
import { parseIsoTime } from "../../core/iso-time.js";
import type { TemperatureRecord } from "./record.js";
import { FLAG_CLOCK_UNSYNCED } from "./record-codec.js";

export type ExportFormat = "csv" | "json";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "json"];

export interface ExportRange {
  fromMs: number;
  toMs: number;
  format: ExportFormat;
}

/**
 * Checks an export's range and format.
 * @throws QhError QH_COLD_INPUT_INVALID naming the bad argument
 */
export function parseExportRange(from: unknown, to: unknown, format: unknown = "csv"): ExportRange {
  const when = (name: string, v: unknown): number => {
    // a date (read as UTC midnight), or a date-time with its offset (Z or ±hh:mm): never local time
    const t = parseIsoTime(v, { dateOnly: true });
    if (t === undefined)
      throw new QhError(
        "QH_COLD_INPUT_INVALID",
        `${name}: must be an ISO 8601 date (UTC) or a date-time with its offset, e.g. 2026-01-31 or 2026-01-31T00:00:00Z (a real calendar date; no local time)`,
      );
    return t;
  };
  const fromMs = when("from", from);
  const toMs = when("to", to);
  if (toMs <= fromMs) throw new QhError("QH_COLD_INPUT_INVALID", "to: must be after from");
  if (format !== "csv" && format !== "json")
    throw new QhError("QH_COLD_INPUT_INVALID", `format: must be csv or json, not ${String(format)}`);
  return { fromMs, toMs, format };
}

/** 0.1 °C integer → "-18.0" (no float formatting in the hot loop). */
function tenths(v: number): string {
  const a = v < 0 ? -v : v;
  return `${v < 0 ? "-" : ""}${(a - (a % 10)) / 10}.${a % 10}`;
}

/** ISO 8601 of whole epoch seconds, the date and minute formatted once per minute. */
class IsoSeconds {
  private minute = Number.NaN;
  private prefix = "";
  format(ts: number): string {
    const m = Math.floor(ts / 60);
    if (m !== this.minute) {
      this.minute = m;
      this.prefix = new Date(m * 60_000).toISOString().slice(0, 17); // YYYY-MM-DDTHH:MM:
    }
    const sec = ts - m * 60;
    return `${this.prefix}${sec < 10 ? "0" : ""}${sec}.000Z`;
  }
}

const QUALITY = ["ok", "sensor_fault", "unreachable", "unreachable"] as const;

function quality(flags: number): string {
  return QUALITY[flags & 3]!;
}

/** The reader went away (a client disconnect): the export's task ends. */
class Cancelled extends Error {}

/**
 * A stream of the zone's readings in [fromMs, toMs], in sequence order. A reader that goes away
 * (the stream destroyed: a client disconnect) ends the task reading the record. An error after the
 * first bytes (the HTTP status already sent) ends the body with a visible marker instead of a
 * silently short file: CSV `# error CODE: message` as the last line; JSON the readings array closed
 * and `"error": {"code", "message"}` as the object's last member.
 */
export function exportStream(record: TemperatureRecord, zone: string, range: ExportRange): Readable {
  let resume: ((cancelled?: boolean) => void) | undefined;
  const rs = new Readable({
    read() {
      const r = resume;
      resume = undefined;
      r?.();
    },
    destroy(err, cb) {
      const r = resume;
      resume = undefined;
      r?.(true);
      cb(err);
    },
  });
  const json = range.format === "json";
  let buf = json
    ? `{"zone":${JSON.stringify(zone)},"from":"${new Date(range.fromMs).toISOString()}","to":"${new Date(range.toMs).toISOString()}","readings":[`
    : "seq,time,temperatureC,quality,clock\n";
  let n = 0;
  const flush = (): Promise<void> | undefined => {
    if (rs.destroyed) return Promise.reject(new Cancelled());
    if (buf.length === 0) return undefined;
    const more = rs.push(buf);
    buf = "";
    return more
      ? undefined
      : new Promise<void>((ok, no) => {
          resume = (cancelled) => (cancelled ? no(new Cancelled()) : ok());
        });
  };
  const iso = new IsoSeconds();
  const run = async () => {
    await record.forEachRaw(
      zone,
      range.fromMs,
      range.toMs,
      (seq, ts, v, flags) => {
        const unsynced = (flags & FLAG_CLOCK_UNSYNCED) !== 0;
        if (json) {
          const t = v === null ? "null" : tenths(v);
          const c = unsynced ? ',"clock":"unsynced"' : "";
          buf += `${n++ === 0 ? "" : ","}{"seq":${seq},"time":"${iso.format(ts)}","temperatureC":${t},"quality":"${quality(flags)}"${c}}`;
        } else {
          buf += `${seq},${iso.format(ts)},${v === null ? "" : tenths(v)},${quality(flags)},${unsynced ? "unsynced" : "synced"}\n`;
        }
      },
      flush,
    );
    buf += json ? "]}\n" : "";
    await flush();
    rs.push(null);
  };
  run().catch((err: unknown) => {
    if (err instanceof Cancelled || rs.destroyed) return;
    const code = (err as { code?: unknown }).code;
    const c = typeof code === "string" && code.startsWith("QH_") ? code : "QH_INTERNAL";
    const msg = (err as Error).message ?? String(err);
    const tail = json
      ? `${"]"},"error":${JSON.stringify({ code: c, message: msg })}}\n`
      : `# error ${c}: ${msg.replace(/[\r\n]+/g, " ")}\n`;
    rs.push(buf + tail);
    buf = "";
    rs.push(null);
  });
  return rs;
}
