/**
 * A resident's pickup code scanned at a kiosk's scanner (`qh:pickup:CODE`, or a bare code) and
 * refused by the gateway: out of the bundle's time slot (QH_DIST_OUTSIDE_SLOT), a wrong code
 * (QH_LOCKER_CODE_WRONG), a recalled lot inside (QH_TRACE_LOT_RECALLED), a bundle taken back out
 * (QH_DIST_RETRIEVED)… A typed code gets the refusal in its 4xx answer; a scanned one comes from
 * the serial scanner, not from the page, so the refusal is kept per terminal for a short while
 * and served in the status the kiosk page polls (`GET /api/v1/kiosk/{t}/status` → `pickupRefused`),
 * where the page words it from its catalogues by `code` and `details` exactly as for a typed code.
 * Never the code itself (a guess is not repeated on a screen anyone can read).
 */
import type { Clock } from "../core/clock.js";
import { isQhError } from "../core/errors.js";

/** How long a refusal is served (monotonic ms): it is for the resident at the screen now. */
export const PICKUP_REFUSAL_TTL_MS = 60_000;

/** One refused scanned pickup code at a terminal; `seq` grows with every refusal of the process. */
export interface PickupRefusal {
  seq: number;
  /** ISO time of the scan */
  at: string;
  /** QH_… code of the refusal (QH_INTERNAL for an uncoded one) */
  code: string;
  /** the gateway's English message (logs, tools); the page words `code` from its catalogues */
  message: string;
  /** the refusal's details (slot, attemptsLeft, until, reason…) as a typed code's 4xx body has them */
  details?: Record<string, unknown>;
}

/** The last scanned-pickup refusal per terminal (memory only, served for {@link PICKUP_REFUSAL_TTL_MS}). */
export class PickupRefusals {
  private readonly last = new Map<string, { r: PickupRefusal; mono: number }>();
  private seq = 0;

  constructor(
    private readonly clock: Pick<Clock, "now" | "mono">,
    private readonly ttlMs = PICKUP_REFUSAL_TTL_MS,
  ) {}

  /** The last refusal at `terminal` if it is younger than the TTL, else undefined. */
  get(terminal: string): PickupRefusal | undefined {
    const e = this.last.get(terminal);
    if (!e) return undefined;
    if (this.clock.mono() - e.mono >= this.ttlMs) {
      this.last.delete(terminal);
      return undefined;
    }
    return e.r;
  }

  /**
   * Records the refusal `err` of the scanned `pickupCode` at `terminal` and returns it. Any detail
   * equal to the code is left out (none of today's refusals carry it: a guard for tomorrow's).
   */
  record(terminal: string, pickupCode: string, err: unknown): PickupRefusal {
    const raw = isQhError(err) && err.details ? (err.details as Record<string, unknown>) : undefined;
    const details = raw
      ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== pickupCode))
      : undefined;
    const message = err instanceof Error ? err.message : String(err);
    const r: PickupRefusal = {
      seq: ++this.seq,
      at: new Date(this.clock.now()).toISOString(),
      code: isQhError(err) ? err.code : "QH_INTERNAL",
      message: pickupCode ? message.split(pickupCode).join("…") : message,
      ...(details ? { details } : {}),
    };
    this.last.set(terminal, { r, mono: this.clock.mono() });
    return r;
  }

  /** The outcome of the scanned `pickupCode`'s pickup: a refusal is recorded (and rethrown), a door clears it. */
  async watch<T>(terminal: string, pickupCode: string, pickup: () => Promise<T>): Promise<T> {
    try {
      const r = await pickup();
      this.clear(terminal);
      return r;
    } catch (err) {
      this.record(terminal, pickupCode, err);
      throw err;
    }
  }

  /** A scanned code opened a door at `terminal`: its earlier refusal is no longer news. */
  clear(terminal: string): void {
    this.last.delete(terminal);
  }
}
