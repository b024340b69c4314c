/**
 * `quarterhour cold export --zone Z --from ISO --to ISO [--format csv|json]`: the temperature
 * record of one zone, streamed to stdout (a zone-year is never held in memory). Read-only: it opens
 * the database beside a running gateway (WAL readers do not block it) or without one; it never
 * creates or migrates a store. A data dir with no database is QH_STORE_MISSING (exit 3); a store
 * where the cold chain never ran exports no reading.
 */
import { existsSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { QhError } from "../core/errors.js";
import { exportStream, parseExportRange } from "../domain/cold/export.js";
import { TemperatureRecord } from "../domain/cold/record.js";
import { dbFile, openDatabase } from "../store/db.js";
import { type GatewayOpts, readConfig } from "./common.js";

export type ExportOpts = GatewayOpts & { zone: string; from: string; to: string; format?: string };

export async function coldExport(o: ExportOpts): Promise<void> {
  const config = readConfig(o);
  const zones = config.cold.zones.map((z) => z.id);
  if (!zones.includes(o.zone)) {
    throw new QhError(
      "QH_COLD_ZONE_UNKNOWN",
      `--zone ${o.zone}: the config declares ${zones.length ? zones.join(", ") : "no cold zone"} (cold.zones)`,
    );
  }
  let range: ReturnType<typeof parseExportRange>;
  try {
    range = parseExportRange(o.from, o.to, o.format ?? "csv");
  } catch (err) {
    const e = err as QhError;
    throw new QhError(e.code, `--${e.message}`);
  }
  const file = dbFile(config.dataDir);
  if (!existsSync(file))
    throw new QhError("QH_STORE_MISSING", `there is no database at ${file}: check --data-dir (or dataDir)`, {
      file,
    });
  const db = openDatabase({ dataDir: config.dataDir, readonly: true });
  try {
    const hasRecord =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cold_blocks'").get() !==
      undefined;
    // an empty in-memory record stands in for a store the cold chain never wrote to
    const rec = hasRecord && db ? new TemperatureRecord(db, { readonly: true }) : undefined;
    const stream = rec ? exportStream(rec, o.zone, range) : exportStream(await emptyRecord(), o.zone, range);
    await pipeline(stream, process.stdout, { end: false });
  } finally {
    db.close();
  }
}

async function emptyRecord(): Promise<TemperatureRecord> {
  const { default: Database } = await import("better-sqlite3");
  return new TemperatureRecord(new Database(":memory:"));
}
