/**
 * The record's export (review findings): a calendar-invalid date and a date-time without an offset
 * are refused with QH_COLD_INPUT_INVALID; a reader that goes away ends the task reading the record;
 * an error after the first bytes ends the body with a visible marker (CSV comment line, JSON error
 * member); a bad query parameter's hint says "query", not "request body".
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { coldApiPlugin } from "../../../src/api/cold.js";
import { QhError } from "../../../src/core/errors.js";
import { exportStream, parseExportRange } from "../../../src/domain/cold/export.js";
import { TemperatureRecord } from "../../../src/domain/cold/record.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

const dirs: string[] = [];
let f: ColdFixture | undefined;
afterEach(async () => {
  await f?.cleanup();
  f = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A real record in a temp SQLite file with `n` readings of zone "z" (blocks of 100). */
function recordWith(n: number): TemperatureRecord {
  const dir = mkdtempSync(join(tmpdir(), "qh-cold-exp-"));
  dirs.push(dir);
  const db = new Database(join(dir, "gateway.db"));
  const rec = new TemperatureRecord(db, { blockReadings: 100 });
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  db.transaction(() => {
    for (let i = 0; i < n; i++)
      rec.append("z", { ts: t0 + i * 30_000, temperatureC: 4, quality: "ok", clockUnsynced: false }, 30);
  })();
  return rec;
}

const RANGE = { fromMs: 0, toMs: Date.parse("2100-01-01T00:00:00Z") };

describe("export dates", () => {
  it("refuses calendar-invalid dates and date-times without an offset", () => {
    for (const bad of [
      "2026-02-31",
      "2026-13-01",
      "2026-04-31T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T00:00:00",
      "2026-01-01T10:00",
    ])
      expect(() => parseExportRange(bad, "2027-01-01"), bad).toThrowError(
        expect.objectContaining({ code: "QH_COLD_INPUT_INVALID" }),
      );
    expect(parseExportRange("2026-02-28", "2026-03-01T00:00:00+01:00")).toEqual({
      fromMs: Date.parse("2026-02-28T00:00:00Z"),
      toMs: Date.parse("2026-02-28T23:00:00Z"),
      format: "csv",
    });
  });
});

describe("the stream's endings", () => {
  it("a reader that goes away ends the task reading the record", async () => {
    const rec = recordWith(5000);
    let task: Promise<number> | undefined;
    const orig = rec.forEachRaw.bind(rec);
    rec.forEachRaw = (...a: Parameters<typeof orig>) => {
      const t = orig(...a);
      task = t;
      return t;
    };
    const s = exportStream(rec, "z", { ...RANGE, format: "csv" });
    await new Promise<void>((r) => s.once("data", () => r()));
    s.pause();
    await new Promise((r) => setTimeout(r, 20)); // the stream's buffer fills: the task waits
    s.destroy();
    await expect(task).rejects.toThrow(); // ended, not waiting forever for a reader
  });

  it("an error after the first bytes ends CSV with a comment line and JSON with an error member", async () => {
    for (const format of ["csv", "json"] as const) {
      const rec = recordWith(350);
      const orig = rec.forEachRaw.bind(rec);
      rec.forEachRaw = (zone, from, to, each) =>
        orig(zone, from, to, each, () => {
          throw new QhError("QH_STORE_IO", "disk I/O error reading the record");
        });
      let body = "";
      for await (const chunk of exportStream(rec, "z", { ...RANGE, format })) body += chunk;
      if (format === "csv") {
        expect(body.startsWith("seq,time,temperatureC,quality,clock\n1,")).toBe(true);
        expect(body.endsWith("\n# error QH_STORE_IO: disk I/O error reading the record\n")).toBe(true);
      } else {
        const doc = JSON.parse(body) as { readings: unknown[]; error: { code: string } };
        expect(doc.readings.length).toBeGreaterThan(0);
        expect(doc.error).toEqual({ code: "QH_STORE_IO", message: "disk I/O error reading the record" });
      }
    }
  });
});

describe("the readings API", () => {
  it("a bad query parameter is QH_API_INVALID with a hint about the query", async () => {
    f = await coldFixture([chilledZone()]);
    const app = await buildApp({
      registry: new Registry(),
      health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
      apiPlugins: [coldApiPlugin(f.svc)],
    });
    const r = await app.inject({
      url: "/api/v1/cold/zones/chilled/readings?from=2026-01-01&to=2026-02-01&x=1",
    });
    expect(r.statusCode).toBe(400);
    const err = r.json().error as { code: string; hint: string };
    expect(err.code).toBe("QH_API_INVALID");
    expect(err.hint).toContain("query");
    expect(err.hint).not.toContain("body");
    const bad = await app.inject({
      url: "/api/v1/cold/zones/chilled/readings?from=2026-02-31&to=2026-03-01",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("QH_COLD_INPUT_INVALID");
    await app.close();
  });
});
