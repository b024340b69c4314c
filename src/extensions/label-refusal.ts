/**
 * A bundle label (or a pack's GS1 label before any door is open) scanned at a kiosk's scanner
 * during a volunteer's loading session and refused by the gateway (QH_DIST_BUNDLE_UNKNOWN,
 * QH_LOCKER_INPUT_INVALID, QH_TRACE_LOT_RECALLED…). The scan comes from the serial scanner, not
 * from the page, so the refusal is kept per terminal and shown in the volunteer's view
 * (`GET /api/v1/kiosk/{t}/distribution` → `scanRefused`), where the page words it from its
 * catalogues by `code` (never the English `message`, which is for logs and tools).
 */
import { isQhError } from "../core/errors.js";

/** One refused scanner label at a terminal; `seq` grows with every refusal of the process. */
export interface LabelRefusal {
  seq: number;
  /** ISO time of the scan */
  at: string;
  /** the label as scanned (trimmed, at most 64 characters) */
  label: string;
  /** QH_… code of the refusal (QH_INTERNAL for an uncoded one) */
  code: string;
  /** the gateway's English message (logs, tools) */
  message: string;
  /** the refusal's details (bundleId, state, gtin, lot…), as the typed label's 4xx body has them */
  details?: Record<string, unknown>;
}

/** The last scanner-label refusal per terminal (memory only: it is for the volunteer at the screen now). */
export class LabelRefusals {
  private readonly last = new Map<string, LabelRefusal>();
  private seq = 0;

  /** The last refusal at `terminal`, or undefined. */
  get(terminal: string): LabelRefusal | undefined {
    return this.last.get(terminal);
  }

  /** Records the refusal `err` of `label` at `terminal` and returns it. */
  record(terminal: string, label: string, err: unknown): LabelRefusal {
    const r: LabelRefusal = {
      seq: ++this.seq,
      at: new Date().toISOString(),
      label: label.trim().slice(0, 64),
      code: isQhError(err) ? err.code : "QH_INTERNAL",
      message: err instanceof Error ? err.message : String(err),
      ...(isQhError(err) && err.details ? { details: err.details as Record<string, unknown> } : {}),
    };
    this.last.set(terminal, r);
    return r;
  }
}
