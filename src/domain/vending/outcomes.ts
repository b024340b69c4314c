/**
 * What the cashless reader records, each in one recorder transaction (events, session row, sale):
 * vend.approved (once per vend, before its outcome), vend.denied, vend.completed with its sale,
 * vend.failed (refundNeeded for a select-first charge; pay-first credit stays unspent),
 * vend.cash_sale with its sale, vend.session_ended (pay first: the unspent credit). Data fields:
 * docs/contract.md "Vending". Money in minor units.
 */
import type { JsonObject } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import { withoutFsync } from "../../store/db.js";
import type { RecordTx, VendingRecorder } from "./recorder.js";
import { deleteSession, saveSession } from "./store.js";
import type { Session, Vend } from "./types.js";

export class Outcomes {
  constructor(
    private readonly device: string,
    private readonly recorder: VendingRecorder,
    private readonly log: Logger,
  ) {}

  /** vend.approved (and the session row, and the vend's own extra work) once per vend. */
  approved(s: Session, v: Vend): void {
    if (v.approvedRecorded) return;
    v.approvedRecorded = true;
    this.commit((tx) => {
      v.inTx?.(tx);
      saveSession(tx.db, this.device, s);
      tx.emit(this.device, "vend.approved", {
        ...this.vendData(s, v),
        ...(v.offline ? { offline: true } : {}),
        ...(v.gatewayMs !== undefined ? { gatewayMs: Math.round(v.gatewayMs * 1000) / 1000 } : {}),
      });
    });
  }

  /** vend.denied; a session row that recorded the vend as about to be approved is put right. */
  denied(s: Session, v: Vend, reason: string, extra: JsonObject = {}): void {
    this.commit((tx) => {
      if (v.written !== undefined && !s.ended) saveSession(tx.db, this.device, s);
      tx.emit(this.device, "vend.denied", { ...this.vendData(s, v), reason, ...extra });
    });
  }

  /** The machine's VEND SUCCESS: the sale and vend.completed (s.spent already counts it). */
  completed(s: Session, v: Vend): void {
    this.approved(s, v);
    this.commit((tx) => {
      saveSession(tx.db, this.device, s);
      tx.sale(
        {
          device: this.device,
          slot: v.slot,
          product: v.product,
          price: v.price,
          payment: "cashless",
          paymentRef: v.paymentRef,
          offline: v.offline,
        },
        "vend.completed",
        { ...this.vendData(s, v), ...(v.offline ? { offline: true } : {}) },
      );
    });
  }

  /** vend.failed after an approval: never lost. */
  failed(s: Session, v: Vend, reason: string, dispensed: "no" | "unknown"): void {
    this.approved(s, v);
    const charged = s.flow === "select_first" && !v.offline;
    this.commit((tx) => {
      saveSession(tx.db, this.device, s);
      tx.emit(this.device, "vend.failed", {
        ...this.vendData(s, v),
        reason,
        dispensed,
        refundNeeded: charged,
        ...(charged ? { refundAmount: v.price } : {}),
      });
    });
  }

  cashSale(slot: number, price: number, product: string | null): void {
    this.commit((tx) =>
      tx.sale(
        { device: this.device, slot, product, price, payment: "cash", paymentRef: null, offline: false },
        "vend.cash_sale",
        { slot, product, price },
      ),
    );
  }

  /** The session row goes; a pay-first session reports its unspent credit. */
  ended(s: Session, reason: string): void {
    this.commit((tx) => {
      deleteSession(tx.db, this.device);
      if (s.flow === "pay_first")
        tx.emit(this.device, "vend.session_ended", {
          sessionId: s.id,
          paymentRef: s.paymentRef,
          credit: s.credit,
          spent: s.spent,
          unspent: (s.credit ?? 0) - s.spent,
          reason,
        });
    });
  }

  /**
   * The session row alone (a session begun; a vend about to be approved: the row says so before
   * the approve line goes out, with `extra` work such as the offline usage, in one transaction).
   */
  saved(s: Session, extra?: (tx: RecordTx) => void): void {
    this.commit((tx) => {
      extra?.(tx);
      saveSession(tx.db, this.device, s);
    });
  }

  /**
   * The row just before an approve line: committed without its own fsync (withoutFsync: it
   * survives a process crash at once, a power cut once the next commit's or the background
   * fdatasync has run, a few ms later), so the approval never waits for the disk.
   */
  savedBeforeLine(s: Session, extra?: (tx: RecordTx) => void): void {
    withoutFsync(this.recorder.database, () => this.saved(s, extra));
  }

  private vendData(s: Session, v: Vend): JsonObject {
    return {
      sessionId: s.id,
      flow: s.flow,
      requestId: v.requestId,
      slot: v.slot,
      product: v.product,
      price: v.price,
      paymentRef: v.paymentRef,
      ...(v.approvedSlot !== undefined ? { approvedSlot: v.approvedSlot, slotMismatch: true } : {}),
    };
  }

  /** Commit now; a store failure is logged (the machine does not wait for our disk). */
  private commit(fn: (tx: RecordTx) => void): void {
    try {
      const { durable } = this.recorder.commit(fn);
      durable.catch((err: Error) => this.log.warn({ err: err.message }, "vending event waits in the outbox"));
    } catch (err) {
      this.log.error({ err: (err as Error).message }, "vending state not recorded: the store refused");
    }
  }
}
