/**
 * A GS1 pack label scanned at a terminal's scanner while a volunteer's bundle door is assigned or
 * open (the loading session's current bundle): the lot is recorded with that bundle
 * (`bundle.lot_loaded`), or refused (expired, recalled, unreadable) as a parcel's is
 * (lot-scan.ts). Each outcome becomes the terminal's notice, which the volunteer's screen reads
 * with its status poll (`GET /api/v1/kiosk/{t}/distribution` → `lot`).
 */
import { QhError } from "../core/errors.js";
import type { DistributionService } from "../domain/distribution/service.js";
import type { TraceLots } from "../domain/trace/lots.js";
import { type LotScanNotices, recordedNotice, refusalNotice } from "./lot-scan.js";

/**
 * Reads the label (recalled or expired lots refused) and records it with `terminal`'s current
 * bundle. Resolves with the `bundle.lot_loaded` data; rejects with the refusal (the caller logs it).
 * @throws QH_GS1_*, QH_TRACE_LOT_EXPIRED, QH_TRACE_LOT_RECALLED, QH_TRACE_NO_LOADING, store errors
 */
export async function loadBundleLotScan(
  service: DistributionService,
  trace: TraceLots,
  notices: LotScanNotices,
  terminal: string,
  code: string,
) {
  const s = service.loadingSession(terminal);
  const bundleId = s?.bundleId;
  const mark = bundleId !== undefined ? { bundleId } : {};
  try {
    const lot = trace.scan(code);
    const roundId = bundleId !== undefined ? service.bundleRound(bundleId) : undefined;
    if (
      !s ||
      (s.step !== "opening" && s.step !== "open") ||
      !bundleId ||
      !s.device ||
      !s.compartment ||
      !roundId
    )
      throw new QhError(
        "QH_TRACE_NO_LOADING",
        `terminal ${terminal}: no bundle with its door assigned or open (step ${s?.step ?? "none"})`,
      );
    const data = await trace.loadBundle(
      { bundleId, roundId, device: s.device, compartment: s.compartment },
      lot,
      terminal,
    );
    notices.record(terminal, { ...recordedNotice(lot, null), ...mark });
    return data;
  } catch (err) {
    notices.record(terminal, { ...refusalNotice(err, null), ...mark });
    throw err;
  }
}
