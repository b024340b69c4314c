/**
 * A bundle label (or a pack's GS1 label before any door is open) scanned at a kiosk's scanner
 * during a volunteer's loading session and refused by the gateway (QH_DIST_BUNDLE_UNKNOWN,
 * QH_LOCKER_INPUT_INVALID, QH_TRACE_LOT_RECALLED…). The scan comes from the serial scanner, not
 * from the page, so the refusal is kept per terminal and shown in the volunteer's view
 * (`GET /api/v1/kiosk/{t}/distribution` → `scanRefused`), where the page words it from its
 * catalogues by `code` (never the English `message`, which is for logs and tools).
 *
 * A label that reads as a pickup code (4-12 digits, the shape of any parcel's or bundle's code) is
 * never echoed: the public screen would show a live code. It is masked (`••••••01`: its length and
 * last two digits) in `label`, in `message` and in the details.
 */
import { isQhError } from "../core/errors.js";

/** One refused scanner label at a terminal; `seq` grows with every refusal of the process. */
export interface LabelRefusal {
  seq: number;
  /** ISO time of the scan */
  at: string;
  /** the label as scanned (trimmed, at most 64 characters); a code-shaped one masked (`••••••01`) */
  label: string;
  /** QH_… code of the refusal (QH_INTERNAL for an uncoded one) */
  code: string;
  /** the gateway's English message (logs, tools) */
  message: string;
  /** the refusal's details (bundleId, state, gtin, lot…), as the typed label's 4xx body has them */
  details?: Record<string, unknown>;
}

const CODE_SHAPED = /^\d{4,12}$/;

/**
 * Whether a scan (trimmed) reads as a resident's pickup code: bare digits, `codeLength` to 12 of
 * them (a parcel's code has codeLength digits, a bundle's codeLength to 12).
 */
export function readsAsPickupCode(scan: string, codeLength: number): boolean {
  const s = scan.trim();
  return /^\d+$/.test(s) && s.length >= codeLength && s.length <= 12;
}

/** `label` masked if it is code-shaped (4-12 digits): `•` for each digit but the last two. */
export function maskCodeShaped(label: string): string {
  return CODE_SHAPED.test(label) ? `${"•".repeat(label.length - 2)}${label.slice(-2)}` : label;
}

/** The last scanner-label refusal per terminal (memory only: it is for the volunteer at the screen now). */
export class LabelRefusals {
  private readonly last = new Map<string, LabelRefusal>();
  private seq = 0;

  /** The last refusal at `terminal`, or undefined. */
  get(terminal: string): LabelRefusal | undefined {
    return this.last.get(terminal);
  }

  /** Records the refusal `err` of `label` at `terminal` and returns it (a code-shaped label masked). */
  record(terminal: string, label: string, err: unknown): LabelRefusal {
    const raw = label.trim().slice(0, 64);
    const masked = maskCodeShaped(raw);
    const hide = (text: string): string => (masked === raw ? text : text.split(raw).join(masked));
    const details = isQhError(err) && err.details ? (err.details as Record<string, unknown>) : undefined;
    const r: LabelRefusal = {
      seq: ++this.seq,
      at: new Date().toISOString(),
      label: masked,
      code: isQhError(err) ? err.code : "QH_INTERNAL",
      message: hide(err instanceof Error ? err.message : String(err)),
      ...(details
        ? {
            details: Object.fromEntries(
              Object.entries(details).map(([k, v]) => [k, typeof v === "string" ? hide(v) : v]),
            ),
          }
        : {}),
    };
    this.last.set(terminal, r);
    return r;
  }
}
