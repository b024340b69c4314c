/**
 * The temperature record: the block encoding round-trips every kind of reading (negative values,
 * big jumps, gaps, quality changes, a clock that steps back); at most 2 bytes per reading on disk,
 * overhead included; a generated year is pruned past the retention and exported (CSV, JSON),
 * streamed, in sequence order; a power cut loses no committed reading.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportStream, parseExportRange } from "../../../src/domain/cold/export.js";
import { TemperatureRecord } from "../../../src/domain/cold/record.js";
import {
  decodeBlock,
  encodeBlock,
  FLAG_CLOCK_UNSYNCED,
  FLAG_SENSOR_FAULT,
  FLAG_UNREACHABLE,
  type RawReading,
} from "../../../src/domain/cold/record-codec.js";

let dir: string;
let db: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qh-cold-rec-"));
  db = new Database(join(dir, "gateway.db"));
  db.pragma("journal_mode = WAL");
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse("2025-01-01T00:00:00Z");

/** Bytes of every page the record's tables and index occupy (dbstat: overhead included). */
function recordBytes(d: Database.Database): number {
  return d
    .prepare(
      "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'cold_open%' OR name LIKE 'cold_blocks%' OR name LIKE 'sqlite_autoindex_cold_open%'",
    )
    .pluck()
    .get() as number;
}

/** A chilled zone's realistic series: 4 °C ± noise, a defrost bump a day, a few gaps. */
function fill(rec: TemperatureRecord, zone: string, n: number, intervalS: number, startMs = T0): void {
  db.transaction(() => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < n; i++) {
      const ts = startMs + i * intervalS * 1000 + (rnd() < 0.02 ? 1000 : 0);
      const day = (i * intervalS) % 86_400;
      const t = 4 + Math.round((rnd() - 0.5) * 4) / 10 + (day < 1200 ? 2 : 0);
      const gap = rnd() < 0.001;
      rec.append(
        zone,
        { ts, temperatureC: gap ? null : t, quality: gap ? "unreachable" : "ok", clockUnsynced: false },
        intervalS,
      );
    }
  })();
}

describe("block encoding", () => {
  it("round-trips negatives, jumps, gaps, flag changes and a clock stepping back", () => {
    const rs: RawReading[] = [
      { ts: 1000, v: -180, flags: 0 },
      { ts: 1030, v: -179, flags: 0 },
      { ts: 1060, v: 305, flags: 0 }, // +48.4 °C at once: an absolute value
      { ts: 1090, v: null, flags: FLAG_UNREACHABLE },
      { ts: 1121, v: null, flags: FLAG_SENSOR_FAULT },
      { ts: 1150, v: 32767, flags: FLAG_SENSOR_FAULT },
      { ts: 1180 - 86_400, v: -200, flags: FLAG_CLOCK_UNSYNCED },
      { ts: 1210 - 86_400, v: -3276, flags: FLAG_CLOCK_UNSYNCED | FLAG_SENSOR_FAULT },
      { ts: 1240 - 86_400, v: 0, flags: 0 },
    ];
    const buf = encodeBlock(rs, 1000, 30);
    const back: RawReading[] = [];
    const n = decodeBlock(buf, 1000, 30, (_i, ts, v, flags) => back.push({ ts, v, flags }));
    expect(n).toBe(rs.length);
    expect(back).toEqual(rs);
    expect(() => decodeBlock(Buffer.from([0xfb]), 0, 30, () => {})).toThrow(/truncated/);
    expect(() => decodeBlock(Buffer.from([0xff]), 0, 30, () => {})).toThrow(/unknown code/);
  });

  it("a steady series costs one byte per reading", () => {
    const rs: RawReading[] = Array.from({ length: 1000 }, (_, i) => ({
      ts: 5000 + i * 30,
      v: 40 + (i % 3) - 1,
      flags: 0,
    }));
    expect(encodeBlock(rs, 5000, 30).length).toBe(1000);
  });
});

describe("the record on disk", () => {
  it("keeps 30 days of 30 s readings in at most 2 bytes per reading, overhead included", () => {
    const rec = new TemperatureRecord(db);
    const n = 30 * 2880;
    fill(rec, "chilled", n, 30);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const perReading = recordBytes(db) / n;
    expect(perReading).toBeLessThanOrEqual(2);
    expect(perReading).toBeGreaterThan(0.5); // the measure measures something
    expect(rec.counts()).toEqual({ chilled: n });
  });

  it("a committed reading survives the process (open block rows), and seq goes on after a restart", async () => {
    let rec = new TemperatureRecord(db, { blockReadings: 100 });
    fill(rec, "frozen", 250, 30);
    db.close(); // as a power cut after the commits
    db = new Database(join(dir, "gateway.db"));
    rec = new TemperatureRecord(db, { blockReadings: 100 });
    expect(rec.counts()).toEqual({ frozen: 250 });
    const seq = rec.append(
      "frozen",
      { ts: T0 + 250 * 30_000, temperatureC: -18.5, quality: "ok", clockUnsynced: false },
      30,
    );
    expect(seq).toBe(251);
    const seen: number[] = [];
    await rec.forEach("frozen", 0, Number.MAX_SAFE_INTEGER, (r) => seen.push(r.seq));
    expect(seen).toEqual(Array.from({ length: 251 }, (_, i) => i + 1));
  });
});

describe("a generated year: retention and export", () => {
  const interval = 300; // a year of 5-minute readings: 105,120 (the bench runs 30 s, 8 zones)
  const perYear = (366 * 86_400) / interval;

  it("prunes what is older than the retention, never less than it", async () => {
    const rec = new TemperatureRecord(db);
    const n = Math.round(perYear * 1.5); // a year and a half
    fill(rec, "chilled", n, interval);
    const now = T0 + n * interval * 1000;
    const cutoff = now - 366 * 86_400_000;
    const removed = rec.prune(cutoff);
    expect(removed).toBeGreaterThan(0);
    const kept: number[] = [];
    await rec.forEach("chilled", 0, Number.MAX_SAFE_INTEGER, (r) => kept.push(r.ts));
    expect(kept.length + removed).toBe(n);
    expect(Math.min(...kept)).toBeLessThanOrEqual(cutoff); // the whole retention is still there
    expect(Math.min(...kept)).toBeGreaterThan(cutoff - rec.blockReadings * interval * 1000);
    expect(rec.prune(cutoff)).toBe(0);
  });

  it("exports a zone-year as CSV and JSON, streamed, in sequence order, gaps left empty", async () => {
    const rec = new TemperatureRecord(db);
    fill(rec, "chilled", perYear, interval);
    const range = parseExportRange("2025-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "csv");
    let chunks = 0;
    let text = "";
    for await (const c of exportStream(rec, "chilled", range)) {
      chunks++;
      text += c;
    }
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("seq,time,temperatureC,quality,clock");
    expect(lines.length - 1).toBe(perYear);
    expect(chunks).toBeGreaterThan(50); // block by block, not one string
    expect(lines[1]).toMatch(/^1,2025-01-01T00:00:0[01]\.000Z,\d\.\d,ok,synced$/);
    expect(lines.some((l) => /,,unreachable,synced$/.test(l))).toBe(true);
    const seqs = lines.slice(1).map((l) => Number(l.split(",")[0]));
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);

    const day = parseExportRange("2025-03-01T00:00:00Z", "2025-03-01T23:59:59Z", "json");
    let json = "";
    for await (const c of exportStream(rec, "chilled", day)) json += c;
    const doc = JSON.parse(json) as {
      zone: string;
      readings: Array<{ time: string; temperatureC: number | null }>;
    };
    expect(doc.zone).toBe("chilled");
    expect(doc.readings.length).toBeGreaterThanOrEqual(287);
    expect(doc.readings.every((r) => r.time.startsWith("2025-03-01"))).toBe(true);
  });

  it("writes negative tenths, gaps and the clock flag exactly, CSV and JSON", async () => {
    const rec = new TemperatureRecord(db, { blockReadings: 3 });
    const at = (s: number) => T0 + s * 1000;
    const rows = [
      { ts: at(0), temperatureC: -18, quality: "ok", clockUnsynced: false },
      { ts: at(30), temperatureC: -0.5, quality: "ok", clockUnsynced: false },
      { ts: at(61), temperatureC: null, quality: "sensor_fault", clockUnsynced: false },
      { ts: at(90), temperatureC: 30.5, quality: "ok", clockUnsynced: true }, // in the open block
    ] as const;
    for (const r of rows) rec.append("frozen", r, 30);
    const range = parseExportRange("2025-01-01T00:00:00Z", "2025-01-01T01:00:00Z", "csv");
    let csv = "";
    for await (const c of exportStream(rec, "frozen", range)) csv += c;
    expect(csv).toBe(
      [
        "seq,time,temperatureC,quality,clock",
        "1,2025-01-01T00:00:00.000Z,-18.0,ok,synced",
        "2,2025-01-01T00:00:30.000Z,-0.5,ok,synced",
        "3,2025-01-01T00:01:01.000Z,,sensor_fault,synced",
        "4,2025-01-01T00:01:30.000Z,30.5,ok,unsynced",
        "",
      ].join("\n"),
    );
    let json = "";
    for await (const c of exportStream(rec, "frozen", { ...range, format: "json" })) json += c;
    expect(JSON.parse(json).readings).toEqual([
      { seq: 1, time: "2025-01-01T00:00:00.000Z", temperatureC: -18, quality: "ok" },
      { seq: 2, time: "2025-01-01T00:00:30.000Z", temperatureC: -0.5, quality: "ok" },
      { seq: 3, time: "2025-01-01T00:01:01.000Z", temperatureC: null, quality: "sensor_fault" },
      { seq: 4, time: "2025-01-01T00:01:30.000Z", temperatureC: 30.5, quality: "ok", clock: "unsynced" },
    ]);
  });

  it("refuses a bad range or format with a coded error", () => {
    expect(() => parseExportRange("yesterday", "2025-01-01", "csv")).toThrow(
      expect.objectContaining({ code: "QH_COLD_INPUT_INVALID" }),
    );
    expect(() => parseExportRange("2025-02-01", "2025-01-01", "csv")).toThrow(/to: must be after from/);
    expect(() => parseExportRange("2025-01-01", "2025-02-01", "xml")).toThrow(/format/);
  });
});
