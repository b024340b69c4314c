/**
 * One vending machine's cashless reader: the MDB cashless state machine as the bridge reports it
 * (INACTIVE → DISABLED → ENABLED → IDLE → VEND → …; RESET from anywhere) and the gateway's two
 * flows on top of it (firmware-protocols/mdb-bridge-text/SPEC.md; docs/contract.md "Vending"):
 *
 * - pay first: `beginSession` (the platform's vend.session) → C,START with the funds → a vend
 *   request within the credit is approved at once → success / failure → … → the VMC completes the
 *   session (or the gateway asks it to, on timeout or cancel) → vend.session_ended with the unspent
 *   credit;
 * - select first: a vend request with no session → vend.authorize (a request published at once on
 *   the uplink, nothing stored on the hot path) → `authorizeResult` (the platform's
 *   vend.authorize.result) approves or denies; no answer within `authorizeWindowMs` denies.
 *   Offline: denied, or approved under the limit per 24 h window. Before the approve line goes
 *   out, the session row records the vend as approved (a commit, no fsync wait), so a crash after
 *   it still ends the vend with its refund (docs/vending.md "What must be durable").
 *
 * Options and timers: options.ts; select first's stateless parts: select-first.ts; what is
 * recorded: outcomes.ts.
 *
 * Rules kept here: a vend is completed only on the machine's VEND SUCCESS; a failure after an
 * approval is always recorded (with refundNeeded); a bridge boot, a VMC reset, a lost line or a
 * restart ends an open session with a clear outcome (an approved vend whose result never came is
 * `vend.failed` with `dispensed: "unknown"`); repeated SETUP / READER ENABLE only update the state;
 * an approval is never re-sent. Cash sales are recorded; nothing here can disable cash.
 */
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { BridgeEvent, ReaderState } from "../../protocols/mdb-bridge-text/index.js";
import { type AuthorizeAnswer, type CashlessReaderOptions, realTimers, type Timers } from "./options.js";
import { Outcomes } from "./outcomes.js";
import { authorizeData, offlineCheck } from "./select-first.js";
import {
  addOfflineWindowUsage,
  claimPaymentRef,
  loadSession,
  releasePaymentRef,
  shiftOfflineWindow,
} from "./store.js";
import type { AbortReason, BridgePort, Session, Vend } from "./types.js";

export class CashlessReader {
  private state: ReaderState = "INACTIVE";
  private session: Session | undefined;
  private prices: { max: number; min: number } | undefined;
  /** the range of prices (minor units) this reader accepts (vend.prices); outside: denied */
  private range: { min: number; max: number } | undefined;
  private authTimer: unknown;
  private sessionTimer: unknown;
  /** a session ended without the machine's word (C,STOP unanswered), until it is heard from */
  private stuck: string | undefined;
  private readonly timers: Timers;
  private readonly device: string;
  private readonly scale: number;
  private readonly out: Outcomes;
  private offCorrection: (() => void) | undefined;

  constructor(private readonly o: CashlessReaderOptions) {
    this.timers = o.timers ?? realTimers;
    this.device = o.settings.device;
    this.scale = o.settings.reader.scaleFactor;
    this.out = new Outcomes(this.device, o.recorder, o.log);
  }

  /** The reader's state and the open session, for the API and tests. */
  view(): JsonObject {
    const s = this.session;
    return {
      device: this.device,
      readerState: this.state,
      ...(this.prices
        ? { maxPrice: this.prices.max * this.scale, minPrice: this.prices.min * this.scale }
        : {}),
      priceRange: this.range ? { ...this.range } : null,
      session: s
        ? {
            sessionId: s.id,
            flow: s.flow,
            paymentRef: s.paymentRef,
            credit: s.credit,
            spent: s.spent,
            vend: s.vend ? { slot: s.vend.slot, price: s.vend.price, state: s.vend.state } : null,
          }
        : null,
    };
  }

  /**
   * The prices (minor units) this reader accepts, from the planogram (at start, and on every
   * `vend.prices`): a vend request outside is denied (`price_out_of_range`). MDB has no
   * reader-to-machine price command (the VMC sends its own max/min in SETUP; nothing is sent to the
   * bridge), so the range is enforced here, on every request; it is the gateway's, so a bridge
   * boot, a VMC reset or a repeated SETUP leaves it as it is.
   */
  setPriceRange(range: { min: number; max: number } | undefined): void {
    this.range = range;
  }

  get readerState(): ReaderState {
    return this.state;
  }

  /** Whether a session or a vend is open (a DEX fetch would hold the line an approval needs). */
  get busy(): boolean {
    return this.session !== undefined;
  }

  /**
   * End what a previous run left open (vend.failed / vend.session_ended, reason gateway_restart).
   * The reader is configured when the line comes up (`onLink`) and after every bridge boot.
   */
  async start(): Promise<void> {
    // the offline window's start moves with every correction of the wall clock (durations survive steps)
    this.offCorrection = this.o.clock.onCorrection((delta, since) => {
      try {
        shiftOfflineWindow(this.o.recorder.database, this.device, delta, since);
      } catch (err) {
        this.o.log.error({ err: (err as Error).message }, "the offline window was not moved with the clock");
      }
    });
    const left = loadSession(this.o.recorder.database, this.device);
    if (left) {
      this.session = left;
      this.abort("gateway_restart");
    }
  }

  stop(): void {
    this.offCorrection?.();
    this.offCorrection = undefined;
    this.timers.clearTimeout(this.authTimer);
    this.timers.clearTimeout(this.sessionTimer);
  }

  /** Declare the reader (C,CONFIG) and answer as cashless device #1 (C,1). Errors are logged. */
  async configure(): Promise<void> {
    try {
      const a = await this.o.bridge.send({ kind: "config", ...this.o.settings.reader });
      const b = await this.o.bridge.send({ kind: "enable", on: true });
      if (a.kind !== "ok" || b.kind !== "ok")
        this.o.log.warn({ a, b }, "the bridge refused the reader config");
    } catch (err) {
      this.o.log.warn(
        { err: (err as Error).message },
        "could not configure the bridge (retried on its next boot or link up)",
      );
    }
  }

  /** The serial line came up (configure again) or went down (end the session: nothing can be reported). */
  onLink(up: boolean): void {
    if (up) void this.configure();
    else if (this.session) this.abort("link_lost");
  }

  /** A line from the bridge that is not an answer to a command. */
  onEvent(e: BridgeEvent): void {
    // the machine is heard from out of any session: what was stuck is over
    if (
      this.stuck &&
      (e.kind === "boot" ||
        e.kind === "reset" ||
        e.kind === "sessionComplete" ||
        e.kind === "readerCancel" ||
        (e.kind === "state" && e.state !== "IDLE"))
    )
      this.stuck = undefined;
    switch (e.kind) {
      case "boot":
        this.state = "INACTIVE";
        if (this.session) this.abort("bridge_power_cycle");
        void this.configure();
        return;
      case "reset":
        this.state = "INACTIVE";
        if (this.session) this.abort("machine_reset");
        return;
      case "setupConfig":
        this.state = "DISABLED";
        return;
      case "setupPrices":
        this.prices = { max: e.max, min: e.min };
        return;
      case "state":
        this.state = e.state;
        // a state line between C,START and its answer is the state before the start took
        // effect: the answer decides (an ENABLED echo must not end the session being begun)
        if (this.session?.starting) return;
        if (this.session && e.state !== "IDLE") this.abort("reader_disabled");
        return;
      case "readerCancel":
        this.state = "ENABLED";
        if (this.session) this.abort("reader_disabled");
        return;
      case "vendRequest":
        this.onVendRequest(e.price, e.item);
        return;
      case "vendCancel":
        this.onVendCancel();
        return;
      case "vendSuccess":
        this.onVendResult(true, e.item);
        return;
      case "vendFailure":
        this.onVendResult(false);
        return;
      case "sessionComplete":
        this.onSessionComplete();
        return;
      case "cashSale":
        this.onCashSale(e.price, e.item);
        return;
      default:
        this.o.log.debug({ kind: e.kind }, "bridge line ignored");
    }
  }

  // ---- pay first -----------------------------------------------------------------------------------

  /**
   * The platform's vend.session: begin a session with `credit` (minor units). Resolves once the
   * bridge took it. Throws QH_VEND_NOT_READY (reader not enabled, or a session open) or
   * QH_VEND_REFUSED (the bridge said no); QH_COMMAND_INVALID for credit the bus cannot carry;
   * QH_VEND_PAYMENT_REUSED when `paymentRef` already bought a session (kept in
   * vending_payment_refs; given back only when the bridge refuses C,START; a C,START with no
   * answer keeps it spent: the machine may have taken the credit).
   */
  async beginSession(input: {
    credit: number;
    paymentRef: string;
    expiresAtMs?: number;
  }): Promise<JsonObject> {
    const funds = this.fundsOf(input.credit);
    if (input.expiresAtMs !== undefined && input.expiresAtMs <= this.o.clock.now())
      throw new QhError(
        "QH_COMMAND_INVALID",
        `args.expiresAt: ${input.expiresAtMs} (epoch ms) has passed already`,
      );
    if (this.state !== "ENABLED" || this.session)
      throw new QhError(
        "QH_VEND_NOT_READY",
        `machine ${this.device} cannot start a session now (reader ${this.state}${this.session ? ", a session is open" : ""})`,
      );
    const session: Session = {
      id: newId(this.o.clock.now()),
      flow: "pay_first",
      paymentRef: input.paymentRef,
      credit: funds * this.scale,
      spent: 0,
      startedAt: this.o.clock.now(),
    };
    const db = this.o.recorder.database;
    claimPaymentRef(db, input.paymentRef, this.device, session.id, session.startedAt);
    this.session = session; // held before the line goes out: a vend request may follow at once
    session.starting = true;
    let reply: Awaited<ReturnType<BridgePort["send"]>>;
    try {
      reply = await this.o.bridge.send({ kind: "beginSession", funds });
    } catch (err) {
      session.starting = false;
      if (this.session === session) this.session = undefined;
      // ended by a reset / boot / lost line meanwhile: the machine lost the funds
      if (session.abortedDuringStart) releasePaymentRef(db, input.paymentRef, session.id);
      throw err;
    }
    session.starting = false;
    if (session.abortedDuringStart || this.session !== session) {
      // the machine reset (or the line went) between C,START and its answer: the session never
      // began as far as anyone can tell; nothing was saved or reported, the reference is free
      if (this.session === session) this.session = undefined;
      if (session.abortedDuringStart) releasePaymentRef(db, input.paymentRef, session.id);
      throw new QhError(
        "QH_VEND_REFUSED",
        `the session did not start: ${session.abortedDuringStart ?? "ended"} while the bridge answered C,START`,
      );
    }
    if (reply.kind !== "ok") {
      if (this.session === session) this.session = undefined;
      releasePaymentRef(db, input.paymentRef, session.id); // refused: no credit was given
      throw new QhError(
        "QH_VEND_REFUSED",
        `the bridge refused the session: ${"reason" in reply ? reply.reason : reply.kind}`,
      );
    }
    this.out.saved(session);
    const timeoutMs = Math.min(
      this.o.settings.sessionTimeoutSeconds * 1000,
      input.expiresAtMs !== undefined
        ? Math.max(0, input.expiresAtMs - this.o.clock.now())
        : Number.POSITIVE_INFINITY,
    );
    this.sessionTimer = this.timers.setTimeout(() => this.endSessionAsked("timeout"), timeoutMs);
    return {
      device: this.device,
      sessionId: session.id,
      paymentRef: input.paymentRef,
      credit: session.credit ?? 0,
      timeoutMs,
    };
  }

  /**
   * The credit (minor units) as MDB funds: a whole number of scale-factor units, at most 65534
   * (0xFFFF is "unknown" on the bus; MDB cashless BEGIN SESSION funds are 16 bits). Anything else
   * is QH_COMMAND_INVALID: never capped or rounded behind the platform's back.
   */
  private fundsOf(credit: number): number {
    const max = 65534 * this.scale;
    if (!Number.isInteger(credit) || credit <= 0 || credit > max)
      throw new QhError(
        "QH_COMMAND_INVALID",
        `args.credit: ${credit} is outside what the reader can grant (1..${max} minor units: 65534 × scale factor ${this.scale})`,
      );
    if (credit % this.scale !== 0)
      throw new QhError(
        "QH_COMMAND_INVALID",
        `args.credit: ${credit} is not a multiple of the reader's scale factor ${this.scale}`,
      );
    return credit / this.scale;
  }

  /** The platform's vend.session.cancel: ask the VMC to end the session (C,STOP). */
  async cancelSession(paymentRef?: string): Promise<JsonObject> {
    const s = this.session;
    if (s?.flow !== "pay_first" || (paymentRef !== undefined && s.paymentRef !== paymentRef))
      throw new QhError(
        "QH_VEND_NOT_PENDING",
        `no pay-first session${paymentRef ? ` ${paymentRef}` : ""} on ${this.device}`,
      );
    await this.endSessionAsked("cancelled");
    return { device: this.device, sessionId: s.id, requested: true };
  }

  private async endSessionAsked(reason: "timeout" | "cancelled"): Promise<void> {
    const s = this.session;
    if (!s) return;
    if (s.vend) {
      // MDB: no session cancel during a vend; try again once it is over
      this.sessionTimer = this.timers.setTimeout(() => void this.endSessionAsked(reason), 1000);
      return;
    }
    if (s.endReason) return; // asked already: the final deadline runs
    s.endReason = reason;
    // the machine ends the session (c,VEND,COMPLETE); if it never does (the bridge refused C,STOP
    // or lost the session without a word), the gateway ends it alone after a grace period
    this.timers.clearTimeout(this.sessionTimer);
    this.sessionTimer = this.timers.setTimeout(() => {
      if (this.session !== s) return;
      if (s.vend) {
        this.sessionTimer = this.timers.setTimeout(() => this.stopUnanswered(s), 1000);
        return;
      }
      this.stopUnanswered(s);
    }, this.o.stopGraceMs ?? 10_000);
    try {
      const r = await this.o.bridge.send({ kind: "cancelSession" });
      if (r.kind !== "ok") this.o.log.warn({ reply: r }, "the bridge refused the session cancel request");
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "session cancel request not sent");
    }
  }

  /** The machine never ended a session the gateway asked it to end: end it here, say so. */
  private stopUnanswered(s: Session): void {
    if (this.session !== s) return;
    this.stuck = `session ${s.id} ended by the gateway: the machine never answered its end (C,STOP); check the machine holds no credit`;
    this.o.log.warn({ sessionId: s.id }, "the machine never ended the session: ended without it");
    this.abort("stop_unanswered");
  }

  /** What /health should show for this machine (a session ended without the machine's word). */
  problems(): string[] {
    return this.stuck ? [`vending machine ${this.device}: ${this.stuck}`] : [];
  }

  // ---- select first --------------------------------------------------------------------------------

  /** The platform's vend.authorize.result. Throws QH_VEND_NOT_PENDING for an unknown or late request. */
  async authorizeResult(a: AuthorizeAnswer): Promise<JsonObject> {
    const inMono = this.o.clock.mono();
    const v = this.session?.vend;
    if (v?.state !== "authorizing" || v.requestId !== a.requestId)
      throw new QhError(
        "QH_VEND_NOT_PENDING",
        `no vend request ${a.requestId} waiting on ${this.device} (answered, timed out or cancelled already)`,
      );
    this.timers.clearTimeout(this.authTimer);
    if (!a.approved) {
      await this.deny(v, a.reason ?? "platform");
      return { device: this.device, requestId: a.requestId, approved: false };
    }
    v.paymentRef = a.paymentRef ?? null;
    const refused = await this.approve(v, inMono);
    if (refused !== undefined)
      return { device: this.device, requestId: a.requestId, approved: false, reason: refused };
    return { device: this.device, requestId: a.requestId, approved: true };
  }

  private onVendRequest(busPrice: number, slot: number): void {
    const requestedMono = this.o.clock.mono();
    const s0 = this.session;
    if (s0?.vend) {
      if (s0.vend.slot === slot && s0.vend.busPrice === busPrice) return; // the same request again
      this.o.log.warn({ slot }, "vend request while another is in flight: ignored");
      return;
    }
    this.state = "VEND";
    const s: Session = s0 ?? {
      id: newId(this.o.clock.now()),
      flow: "select_first",
      paymentRef: null,
      credit: null,
      spent: 0,
      startedAt: this.o.clock.now(),
    };
    this.session = s;
    const v: Vend = {
      slot,
      busPrice,
      price: busPrice * this.scale,
      product: this.o.productOf?.(this.device, slot) ?? null,
      state: "authorizing",
      requestId: newId(this.o.clock.now()),
      paymentRef: s.paymentRef,
      offline: false,
      requestedMono,
    };
    s.vend = v;
    const r = this.range;
    if (r && (v.price < r.min || v.price > r.max)) {
      void this.deny(v, "price_out_of_range", { priceRange: r });
      return;
    }
    const blocked = this.o.slotGate?.(this.device, slot, v);
    if (blocked) {
      const { reason, ...details } = blocked;
      void this.deny(v, reason, details);
      return;
    }
    if (s.flow === "pay_first") {
      const left = (s.credit ?? 0) - s.spent;
      if (v.price <= left) void this.approve(v);
      else void this.deny(v, "insufficient_credit", { creditLeft: left });
      return;
    }
    if (!this.o.uplinkOnline()) {
      this.offlineDecision(v);
      return;
    }
    const windowMs = this.o.settings.authorizeWindowMs;
    this.authTimer = this.timers.setTimeout(() => {
      if (this.session?.vend === v && v.state === "authorizing") void this.deny(v, "timeout");
    }, windowMs);
    const req = {
      device: this.device,
      type: "vend.authorize",
      data: authorizeData(s, v, windowMs, this.o.clock.now()),
    };
    if (this.o.request) {
      // a request with a deadline, not an event: straight to the uplink, nothing durable on the
      // path (docs/vending.md "What must be durable"); its outcome is the durable record
      this.o.request(req).then(
        () => {
          v.publishedMono = this.o.clock.mono();
        },
        (err: Error) => {
          this.o.log.warn({ err: err.message }, "vend.authorize not published: decided offline");
          if (this.session?.vend !== v || v.state !== "authorizing") return;
          this.timers.clearTimeout(this.authTimer);
          this.offlineDecision(v);
        },
      );
      return;
    }
    this.o.events.emit(req).then(
      () => {
        v.publishedMono = this.o.clock.mono();
      },
      (err: Error) => {
        this.o.log.warn({ err: err.message }, "vend.authorize not accepted by the event store: denied");
        if (this.session?.vend === v && v.state === "authorizing") void this.deny(v, "store_refused");
      },
    );
  }

  private offlineDecision(v: Vend): void {
    const c = offlineCheck(
      this.o.recorder.database,
      this.device,
      this.o.settings.offlineLimit,
      v.price,
      this.o.clock.now(),
    );
    if (!c.fits) {
      void this.deny(v, "offline", { offlineLimit: c.limit });
      return;
    }
    v.offline = true;
    v.inTx = (tx) => addOfflineWindowUsage(tx.db, this.device, c.windowStart, v.price);
    void this.approve(v);
  }

  /**
   * Write the approval once; record vend.approved when the bridge took it. Never re-sent.
   * Resolves with the reason when the approval did not go through (the bridge refused it:
   * `bridge_refused`; dropped unwritten after waiting behind another command: `vend_gone` when
   * the vend is over, `approval_late` past the machine's maximum response time), else undefined. A refused approval is vend.denied with `bridgeReason`
   * and, when the platform had approved (and so charged) a select-first vend, `refundNeeded`.
   */
  private async approve(v: Vend, answerMono?: number): Promise<string | undefined> {
    v.state = "approving";
    v.written = false;
    // the VMC waits for an answer at most its maximum response time from its vend request
    const deadlineMono = v.requestedMono + this.o.settings.reader.maxResponseSeconds * 1000;
    const sent = this.o.bridge.send(
      { kind: "approve", amount: v.busPrice },
      {
        // the approval may have waited behind another command (a DEX fetch): never write it for
        // a vend that is over, or after the machine stopped waiting (it would approve the next one)
        stillWanted: () =>
          this.session?.vend !== v
            ? "vend_gone"
            : this.o.clock.mono() > deadlineMono
              ? "approval_late"
              : undefined,
        onWrite: () => {
          // before the line: the session row says "approved" (and the offline usage is taken), so
          // a crash after the line ends the vend as failed/unknown with its refund at restart.
          // A commit without an fsync wait (docs/vending.md "What must be durable").
          v.written = true;
          const s = this.session;
          if (s?.vend === v) {
            this.out.savedBeforeLine(s, v.inTx);
            v.inTx = undefined;
          }
          if (answerMono !== undefined && v.publishedMono !== undefined) {
            v.gatewayMs = v.publishedMono - v.requestedMono + (this.o.clock.mono() - answerMono);
            this.o.onGatewayShare?.(v.gatewayMs);
          }
        },
      },
    );
    let reply: Awaited<ReturnType<BridgePort["send"]>> | undefined;
    try {
      reply = await sent;
    } catch (err) {
      // no answer: the machine may still dispense and report; the vend stays "approving"
      this.o.log.warn({ err: (err as Error).message, slot: v.slot }, "no answer to the approval");
    }
    const s = this.session;
    if (reply?.kind === "dropped" && reply.reason === "vend_gone") return "vend_gone";
    if (v.approvedRecorded) return undefined; // the outcome line came first and recorded it
    if (!s || s.vend !== v) return undefined;
    if (reply?.kind === "dropped") {
      // not written: the machine stopped waiting; deny in case it still does
      const charged = s.flow === "select_first" && !v.offline && answerMono !== undefined;
      s.vend = undefined;
      this.out.denied(s, v, reply.reason, {
        refundNeeded: charged,
        ...(charged ? { refundAmount: v.price } : {}),
      });
      this.o.bridge.send({ kind: "deny" }).catch(() => undefined);
      return reply.reason;
    }
    if (reply && reply.kind !== "ok") {
      const bridgeReason = "reason" in reply ? String(reply.reason) : reply.kind;
      this.o.log.warn({ reply, slot: v.slot }, "the bridge refused the approval");
      const charged = s.flow === "select_first" && !v.offline && answerMono !== undefined;
      s.vend = undefined;
      this.out.denied(s, v, "bridge_refused", {
        bridgeReason,
        refundNeeded: charged,
        ...(charged ? { refundAmount: v.price } : {}),
      });
      return "bridge_refused";
    }
    if (v.state === "approving") v.state = "approved";
    this.out.approved(s, v);
    return undefined;
  }

  private async deny(v: Vend, reason: string, extra: JsonObject = {}): Promise<void> {
    v.state = "authorizing";
    const s = this.session;
    if (s) s.vend = undefined;
    if (s) this.out.denied(s, v, reason, extra);
    try {
      const r = await this.o.bridge.send({ kind: "deny" });
      if (r.kind !== "ok") this.o.log.info({ reply: r }, "deny not taken (the machine moved on)");
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "deny not sent; the machine times out by itself");
    }
  }

  private onVendCancel(): void {
    const s = this.session;
    const v = s?.vend;
    if (!s || !v) return;
    this.timers.clearTimeout(this.authTimer);
    s.vend = undefined;
    // an approval still queued (never written) is dropped unwritten: the machine was told nothing
    if (!told(v)) this.out.denied(s, v, "machine_cancelled", untoldRefund(s, v));
    else this.out.failed(s, v, "machine_cancelled", "no");
  }

  private onVendResult(ok: boolean, item?: number): void {
    const s = this.session;
    const v = s?.vend;
    if (!s || !v || !told(v)) {
      this.o.log.warn({ ok, item }, "vend result with no approved vend: not recorded as a sale");
      return;
    }
    this.out.approved(s, v);
    if (ok && item !== undefined && item !== v.slot) {
      // the machine dispensed from another slot than the one approved: the sale and the stock
      // go to the slot it reports (that is where the item left); the event says so
      this.o.log.warn(
        { approvedSlot: v.slot, reportedSlot: item },
        "VEND SUCCESS names another slot than the one approved: charged to the machine's slot",
      );
      v.approvedSlot = v.slot;
      v.slot = item;
      v.product = this.o.productOf?.(this.device, item) ?? null;
    }
    s.vend = undefined;
    if (!ok) {
      this.out.failed(s, v, "machine_failure", "no");
      return;
    }
    s.spent += v.price;
    this.out.completed(s, v);
  }

  private onSessionComplete(): void {
    this.state = "ENABLED";
    const s = this.session;
    if (!s) return;
    const v = s.vend;
    if (v) {
      s.vend = undefined;
      if (!told(v)) this.out.denied(s, v, "session_completed", untoldRefund(s, v));
      else this.out.failed(s, v, "session_completed", "unknown");
    }
    this.end(s, s.endReason ?? "completed");
  }

  private onCashSale(busPrice: number, slot: number): void {
    const price = busPrice * this.scale;
    const product = this.o.productOf?.(this.device, slot) ?? null;
    this.out.cashSale(slot, price, product);
  }

  private end(s: Session, reason: string): void {
    this.timers.clearTimeout(this.sessionTimer);
    if (this.session === s) this.session = undefined;
    if (s.ended) return; // reported once, never again
    s.ended = true;
    this.out.ended(s, reason);
  }

  /** End the session without the machine's word: an approved vend is failed (dispensed unknown). */
  private abort(reason: AbortReason): void {
    const s = this.session;
    if (!s) return;
    if (s.starting && !s.vend) {
      // not begun yet (C,START unanswered): nothing saved, nothing to report; beginSession fails
      s.abortedDuringStart = reason;
      this.session = undefined;
      return;
    }
    this.timers.clearTimeout(this.authTimer);
    const v = s.vend;
    s.vend = undefined;
    if (v && !told(v)) this.out.denied(s, v, reason, untoldRefund(s, v));
    else if (v) this.out.failed(s, v, reason, "unknown");
    this.end(s, reason);
  }
}

/**
 * Whether the machine was told the vend is approved: the approve line was written (or, for a vend
 * a previous run left approved, may have been). An approval still queued told it nothing.
 */
function told(v: Vend): boolean {
  return v.state !== "authorizing" && v.written !== false;
}

/** A select-first vend the platform approved (and charged) but the machine was never told of. */
function untoldRefund(s: Session, v: Vend): JsonObject {
  return v.state === "approving" && s.flow === "select_first" && !v.offline
    ? { refundNeeded: true, refundAmount: v.price }
    : {};
}
