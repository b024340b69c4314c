/**
 * A courier's GS1 pack label scanned at the kiosk's scanner while a deposit's door is assigned or
 * open: the lot is recorded with the parcel (trace), or refused. The scan comes from the serial
 * scanner, not from the page, so each outcome is kept per terminal as a {@link LotScanNotice} that
 * the kiosk page reads with its status poll (`GET /api/v1/kiosk/{t}/status` → `lot`) and shows:
 * recorded (GTIN, lot, expiry), expired or recalled (refused: what to do), invalid (what was wrong).
 */
import { isQhError, QhError } from "../core/errors.js";
import type { LockerService } from "../domain/locker/index.js";
import type { ScannedLot, TraceLots } from "../domain/trace/lots.js";

/** One lot scan's outcome at a terminal; `seq` grows with every notice of the process. */
export interface LotScanNotice {
  seq: number;
  /** ISO time of the scan */
  at: string;
  /** the parcel being deposited when the label was scanned */
  parcelId: string | null;
  /** the distribution bundle being loaded when the label was scanned (bundle-lot-scan.ts) */
  bundleId?: string;
  outcome: "recorded" | "expired" | "recalled" | "invalid" | "failed";
  gtin?: string;
  lot?: string;
  /** YYYY-MM-DD, or null: the label has none */
  expiry?: string | null;
  quantity?: number;
  /** the refusal's code (QH_TRACE_LOT_EXPIRED, QH_TRACE_LOT_RECALLED, QH_GS1_…, or another) */
  code?: string;
  /** for invalid scans: the GS1 application identifier at fault, if known ("01", "17"…) */
  ai?: string;
  /**
   * for recorded scans: what looks wrong though the label parsed (the GS1 wrapper's warnings,
   * e.g. a lot that ends like an expiry date: the scanner may have dropped a separator)
   */
  warnings?: string[];
}

/** The last lot-scan notice per terminal (memory only: a notice is for the courier at the screen now). */
export class LotScanNotices {
  private readonly last = new Map<string, LotScanNotice>();
  private seq = 0;

  /** The last notice at `terminal`, or undefined. */
  get(terminal: string): LotScanNotice | undefined {
    return this.last.get(terminal);
  }

  /** Records a notice (seq and time filled in) and returns it. */
  record(terminal: string, n: Omit<LotScanNotice, "seq" | "at">): LotScanNotice {
    const notice = { ...n, seq: ++this.seq, at: new Date().toISOString() };
    this.last.set(terminal, notice);
    return notice;
  }
}

/** The notice a recorded scan gives: the lot as read, and its warnings if any (parcel or bundle). */
export function recordedNotice(lot: ScannedLot, parcelId: string | null): Omit<LotScanNotice, "seq" | "at"> {
  return {
    parcelId,
    outcome: "recorded",
    gtin: lot.gtin,
    lot: lot.lot,
    expiry: lot.expiry ?? null,
    quantity: lot.count ?? 1,
    ...(lot.warnings.length > 0 ? { warnings: lot.warnings } : {}),
  };
}

/** The notice a refused scan gives: which outcome, and what the page needs to say it. */
export function refusalNotice(err: unknown, parcelId: string | null): Omit<LotScanNotice, "seq" | "at"> {
  const code = isQhError(err) ? err.code : "QH_INTERNAL";
  const d = (isQhError(err) ? err.details : undefined) as Record<string, unknown> | undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const base = { parcelId, code };
  if (code === "QH_TRACE_LOT_EXPIRED")
    return {
      ...base,
      outcome: "expired",
      gtin: str(d?.gtin),
      lot: str(d?.lot),
      expiry: str(d?.expiry) ?? null,
    };
  if (code === "QH_TRACE_LOT_RECALLED")
    return { ...base, outcome: "recalled", gtin: str(d?.gtin), lot: str(d?.lot) };
  if (code.startsWith("QH_GS1_"))
    return { ...base, outcome: "invalid", ...(str(d?.ai) ? { ai: str(d?.ai) } : {}) };
  return { ...base, outcome: "failed" };
}

/**
 * Reads the label (trace.scan: recalled or expired lots refused) and records it with the parcel of
 * `terminal`'s deposit; every outcome, refusals included, becomes the terminal's notice. Resolves
 * with the recorded `parcel.lot_loaded` data; rejects with the refusal (logged by the caller).
 * @throws QH_GS1_*, QH_TRACE_LOT_EXPIRED, QH_TRACE_LOT_RECALLED, QH_TRACE_NO_LOADING, store errors
 */
export async function loadLotScan(
  service: LockerService,
  trace: TraceLots,
  notices: LotScanNotices,
  terminal: string,
  code: string,
) {
  const s = service.depositSession(terminal);
  const parcelId = s?.parcelId ?? null;
  try {
    const lot = trace.scan(code);
    if (!s || (s.step !== "opening" && s.step !== "open") || !s.parcelId || !s.device || !s.compartment)
      throw new QhError(
        "QH_TRACE_NO_LOADING",
        `terminal ${terminal}: no deposit with its door assigned or open (step ${s?.step ?? "none"})`,
      );
    const data = await trace.loadParcel(
      { id: s.parcelId, device: s.device, compartment: s.compartment },
      lot,
      terminal,
    );
    notices.record(terminal, recordedNotice(lot, parcelId));
    return data;
  } catch (err) {
    notices.record(terminal, refusalNotice(err, parcelId));
    throw err;
  }
}
