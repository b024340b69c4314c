/**
 * Exports of the temperature record, streamed: a Readable that the record fills block by block and
 * that waits whenever its reader is behind (an export of a zone-year is never built in memory).
 *
 *   csv:  seq,time,temperatureC,quality,clock        (one reading a line; empty temperature = a gap)
 *   json: {"zone":…,"from":…,"to":…,"readings":[{"seq","time","temperatureC","quality","clock"?},…]}
 *
 * `clock` is "unsynced" for a reading taken while the wall clock was not known right (its time may
 * be wrong; its place in the sequence is not), and absent in JSON / "synced" in CSV otherwise.
 */
import { Readable } from "node:stream";
import { QhError } from "../../core/errors.js";
import type { RecordedReading, TemperatureRecord } from "./record.js";

export type ExportFormat = "csv" | "json";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "json"];

const ISO_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

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
    const t = typeof v === "string" && ISO_RE.test(v) ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(t))
      throw new QhError(
        "QH_COLD_INPUT_INVALID",
        `${name}: must be an ISO 8601 time, e.g. 2026-01-31T00:00:00Z`,
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

function csvLine(r: RecordedReading): string {
  const t = r.temperatureC === null ? "" : r.temperatureC.toFixed(1);
  return `${r.seq},${new Date(r.ts).toISOString()},${t},${r.quality},${r.clockUnsynced ? "unsynced" : "synced"}\n`;
}

function jsonItem(r: RecordedReading): string {
  const t = r.temperatureC === null ? "null" : r.temperatureC.toFixed(1);
  const c = r.clockUnsynced ? ',"clock":"unsynced"' : "";
  return `{"seq":${r.seq},"time":"${new Date(r.ts).toISOString()}","temperatureC":${t},"quality":"${r.quality}"${c}}`;
}

/** A stream of the zone's readings in [fromMs, toMs], in sequence order. */
export function exportStream(record: TemperatureRecord, zone: string, range: ExportRange): Readable {
  let resume: (() => void) | undefined;
  const rs = new Readable({
    read() {
      const r = resume;
      resume = undefined;
      r?.();
    },
  });
  const json = range.format === "json";
  let buf = json
    ? `{"zone":${JSON.stringify(zone)},"from":"${new Date(range.fromMs).toISOString()}","to":"${new Date(range.toMs).toISOString()}","readings":[`
    : "seq,time,temperatureC,quality,clock\n";
  let n = 0;
  const flush = (): Promise<void> | undefined => {
    if (buf.length === 0) return undefined;
    const more = rs.push(buf);
    buf = "";
    return more ? undefined : new Promise<void>((r) => (resume = r));
  };
  const run = async () => {
    await record.forEach(
      zone,
      range.fromMs,
      range.toMs,
      (r) => {
        if (json) buf += (n++ === 0 ? "" : ",") + jsonItem(r);
        else buf += csvLine(r);
      },
      flush,
    );
    buf += json ? "]}\n" : "";
    await flush();
    rs.push(null);
  };
  run().catch((err: unknown) => rs.destroy(err as Error));
  return rs;
}
