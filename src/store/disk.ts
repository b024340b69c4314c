import { statfsSync } from "node:fs";
import { fileBytes } from "./outbox.js";

export type DiskLevel = "ok" | "low" | "full";

export interface DiskPolicy {
  dataDir: string;
  dbFile: string;
  quotaMb: number;
  lowDiskMb: number;
}

/**
 * The disk watermark. `low`: free space under lowDiskMb, or the database near its quota (90%):
 * telemetry is refused and its buffer dropped. `full`: quota reached or under a quarter of the low
 * watermark free: business events are refused loudly (QH_STORE_FULL) rather than accepted and lost.
 */
export function diskLevel(
  p: DiskPolicy,
  freeBytesOverride?: number,
): { level: DiskLevel; freeMb: number; dbMb: number } {
  let freeMb = Number.POSITIVE_INFINITY;
  if (freeBytesOverride !== undefined) freeMb = freeBytesOverride / 1048576;
  else {
    try {
      const s = statfsSync(p.dataDir);
      freeMb = (s.bavail * s.bsize) / 1048576;
    } catch {
      // unknown: assume fine
    }
  }
  const dbMb = fileBytes(p.dbFile) / 1048576;
  let level: DiskLevel = "ok";
  if (freeMb < p.lowDiskMb || dbMb > p.quotaMb * 0.9) level = "low";
  if (freeMb < p.lowDiskMb / 4 || dbMb >= p.quotaMb) level = "full";
  return { level, freeMb, dbMb };
}
