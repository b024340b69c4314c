/**
 * The locker domain service: parcels, codes, compartments and the courier, resident and
 * customer-service flows of the smart parcel lockers, offline first. It knows no transport:
 *
 *   kiosk / API ──► startDeposit · scanBarcode · chooseSize · depositReserved · pickup · retrieve
 *   platform  ──► commands(): locker.open · compartment.disable/enable · parcel.cancel ·
 *                 locker.reserve · courier.codes.set         (via the command router)
 *   driver    ──► onDoor(ref, { open, present?, ts }) · onReachability(device, board, reachable)
 *        ◄──     LockPort.open(ref)   (a pulse; the door's truth comes back through onDoor)
 *                         │
 *                         ▼
 *   one SQLite transaction per change (state + the events describing it, locker_outbox)
 *                         │
 *                         ▼
 *   EventSink.emit (awaited: durable before the flow reports) · StateSink.state per locker device
 *
 * Time comes from the injected Clock; start() runs sweep() on a timer (jams, left-open doors,
 * abandoned deposits, overdue parcels, expired reservations, events waiting for the event store).
 */
import type Database from "better-sqlite3";
import { type Clock, systemClock } from "../../core/clock.js";
import type { CommandHandler } from "../../core/command.js";
import type { EventSink, JsonObject, StateSink } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { type Listener, TypedBus } from "../../core/event-bus.js";
import { newId as uuid } from "../../core/ids.js";
import { type Logger, silentLogger } from "../../core/logger.js";
import { LockerAdmin } from "./admin.js";
import { CodeHasher, type CourierCodeInput, CourierCodes, PickupCodes } from "./codes.js";
import { createLockerCommands, type LockerCommandTarget } from "./commands.js";
import { type CompartmentRow, CompartmentStore, validateLayout } from "./compartments.js";
import { DepositDesk } from "./deposit.js";
import { DoorTruth } from "./doors.js";
import { LockerHolds, migrateHolds } from "./holds.js";
import { assertTerminal, type GuardTally, TerminalGuard } from "./lockout.js";
import { stranded, strandedProblems } from "./occupants.js";
import { Announcer } from "./outbox.js";
import { OverdueDesk, type RetrieveChoice } from "./overdue.js";
import { ParcelStore, parcelView } from "./parcels.js";
import { PickupDesk } from "./pickup.js";
import type {
  CompartmentGate,
  CompartmentRef,
  CompartmentSize,
  DoorInput,
  DoorReport,
  LockerBankLayout,
  LockPort,
} from "./ports.js";
import { reanchorLocker } from "./reanchor.js";
import { Reservations, type ReserveInput } from "./reservations.js";
import { migrateLocker } from "./schema.js";
import { type LockerSettings, resolveSettings } from "./settings.js";
import { StatePublisher } from "./state-doc.js";
import { putStopMark, takeStopMark } from "./stop-mark.js";
import { DOOR_RESERVE_BYTES, depositRefusal, storeGate } from "./store-gate.js";
import type {
  CompartmentView,
  DepositSessionView,
  LockerContext,
  LockerNotices,
  ParcelView,
  PickupResult,
  ReservationView,
  RetrieveResult,
} from "./types.js";

export interface LockerServiceOptions {
  /** The gateway database (its pragmas, WAL and synchronous=FULL, are the opener's). */
  db: Database.Database;
  events: EventSink;
  /**
   * Resolves once what was committed before the call is on the disk (the gateway's WAL sync,
   * issue 13). Left out: a commit is durable when it returns (synchronous=FULL).
   */
  durable?: () => Promise<void>;
  state: StateSink;
  lock: LockPort;
  /** The locker banks: device id and compartments (from the device models and the config). */
  layout: readonly LockerBankLayout[];
  /** The site secret for the keyed code hashes (HMAC-SHA256), at least 16 bytes. */
  secretKey: Buffer;
  settings?: Partial<LockerSettings>;
  clock?: Clock;
  logger?: Logger;
  /**
   * The kiosk terminals: terminal id → the locker devices it serves. When given, only these
   * terminals exist (any other id is QH_LOCKER_TERMINAL_UNKNOWN). Left out (embedding, unit tests):
   * any well-formed id is a terminal serving every bank.
   */
  terminals?: Record<string, readonly string[]>;
  /** How often start() runs sweep(); 0: never (tests call sweep() themselves). Default 1000. */
  sweepIntervalMs?: number;
  /** Parcel id generator (default UUIDv7). */
  newId?: () => string;
  /** Another vertical's say over compartments (the cold chain's zones in alarm); see setGate. */
  gate?: CompartmentGate;
}

export class LockerService implements DoorInput, LockerCommandTarget {
  readonly settings: LockerSettings;
  private readonly ctx: LockerContext;
  private readonly doors: DoorTruth;
  private readonly deposits: DepositDesk;
  private readonly pickups: PickupDesk;
  private readonly overdue: OverdueDesk;
  private readonly reservations: Reservations;
  private readonly admin: LockerAdmin;
  private readonly statePublisher: StatePublisher;
  /** Compartments lent to another vertical (a distribution round's bundles): holds.ts. */
  readonly holds: LockerHolds;
  private readonly sweepIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly offCorrection: () => void;
  /** The last run ended with stop() (its mark was found at start), not a crash. */
  private lastStopClean = false;

  constructor(opts: LockerServiceOptions) {
    this.settings = resolveSettings(opts.settings);
    validateLayout(opts.layout);
    const clock = opts.clock ?? systemClock;
    const log = (opts.logger ?? silentLogger()).child({ component: "locker" });
    const db = opts.db;
    migrateLocker(db);
    migrateHolds(db);
    const compartments = new CompartmentStore(db);
    compartments.sync(opts.layout, clock.now());
    const devices = new Set(opts.layout.map((b) => b.device));
    const terminals = new Map<string, readonly string[]>();
    const declared = opts.terminals !== undefined;
    for (const [t, list] of Object.entries(opts.terminals ?? {})) {
      for (const d of list) {
        if (!devices.has(d))
          throw new QhError("QH_CONFIG_INVALID", `locker.terminals.${t}: no locker device ${d}`);
      }
      terminals.set(t, [...list]);
    }
    const hasher = new CodeHasher(opts.secretKey);
    const announcer = new Announcer(db, opts.events, clock, log, "locker_outbox", opts.durable);
    const guard = new TerminalGuard(db, announcer, clock, this.settings, log);
    const ctx: LockerContext = {
      db,
      clock,
      settings: this.settings,
      log,
      port: opts.lock,
      announcer,
      compartments,
      parcels: new ParcelStore(db),
      pickupCodes: new PickupCodes(db, hasher, this.settings.codeLength),
      courierCodes: new CourierCodes(db, hasher),
      hasher,
      guard,
      terminals: {
        devicesFor: (t) => terminals.get(t),
        require(t: unknown): asserts t is string {
          assertTerminal(t);
          if (declared && !terminals.has(t)) {
            guard.refused("terminal_unknown");
            throw new QhError("QH_LOCKER_TERMINAL_UNKNOWN", `no kiosk terminal ${t} at this site`);
          }
        },
      },
      notices: new TypedBus<LockerNotices>((event, err) =>
        log.warn({ err, event }, "locker notice listener failed"),
      ),
      newId: opts.newId ?? (() => uuid(clock.now())),
      gate: opts.gate,
    };
    this.ctx = ctx;
    this.statePublisher = new StatePublisher(compartments, opts.state, log);
    announcer.afterCommit = () => this.statePublisher.publishChanged();
    announcer.onLostSecret("parcel.deposited", (e) => this.reissueCode(e.data));
    this.doors = new DoorTruth(ctx);
    // a config that dropped a compartment still holding a parcel or a bundle: never silent
    for (const line of strandedProblems(stranded(db)))
      log.warn({ code: "QH_LOCKER_COMPARTMENT_RETIRED" }, line);
    this.deposits = new DepositDesk(ctx, this.doors);
    this.pickups = new PickupDesk(ctx, this.doors);
    this.overdue = new OverdueDesk(ctx, this.doors);
    this.reservations = new Reservations(ctx);
    this.admin = new LockerAdmin(ctx, this.doors, this.deposits);
    this.doors.addReactor(this.deposits);
    this.doors.addReactor(this.pickups);
    this.doors.addReactor(this.overdue);
    this.holds = new LockerHolds(ctx, this.doors);
    this.doors.addReactor(this.holds.reactor);
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 1000;
    this.offCorrection = clock.onCorrection((delta, since) => {
      const moved = reanchorLocker(db, delta, since, this.settings.lockoutMinutes * 60_000);
      this.deposits.reanchor(delta, since);
      log.warn({ deltaMs: Math.round(delta), ...moved }, "locker: clock corrected; timers re-anchored");
    });
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /** Resend what a crash left unsent, settle interrupted deposits, publish state, start the timer. */
  async start(): Promise<void> {
    this.lastStopClean = takeStopMark(this.ctx.db);
    await this.ctx.announcer.flush();
    await this.deposits.recover();
    this.statePublisher.publishChanged(true);
    if (this.sweepIntervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.sweep().catch((err: unknown) => this.ctx.log.error({ err }, "locker sweep failed"));
      }, this.sweepIntervalMs);
      this.timer.unref();
    }
  }

  /** Stop the timer and wait for a sweep in progress. The database stays open (it is the caller's). */
  async stop(): Promise<void> {
    this.offCorrection();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    const codes = this.ctx.announcer.waitingSecrets();
    if (codes > 0)
      this.ctx.log.warn(
        { codes },
        "locker: pickup codes of deposits the event store has not taken are kept in memory only: new ones are issued at the next start",
      );
    putStopMark(this.ctx.db, this.ctx.clock.now());
  }

  /**
   * Everything time-driven, in order: jams and left-open doors, abandoned deposits, overdue parcels,
   * expired reservations, old wrong-code counts, events waiting for the event store. One at a time.
   */
  sweep(now: number = this.ctx.clock.now()): Promise<void> {
    if (this.sweeping) return this.sweeping;
    const run = async () => {
      await this.doors.sweep(now);
      await this.deposits.sweep(now);
      await this.overdue.sweep(now);
      await this.reservations.sweep(now);
      this.ctx.guard.purge(now);
      await this.ctx.announcer.flush();
    };
    this.sweeping = run().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  // --- driver side ----------------------------------------------------------------------------

  onDoor(ref: CompartmentRef, report: DoorReport): Promise<void> {
    return this.doors.onDoor(ref, report);
  }

  onReachability(device: string, board: string | number, reachable: boolean): void {
    if (!this.ctx.compartments.devices().includes(device)) {
      this.ctx.log.warn({ device, board }, "locker: reachability of an unknown device ignored");
      return;
    }
    this.ctx.compartments.setReachability(device, String(board), reachable, this.ctx.clock.now());
    this.statePublisher.publishChanged();
  }

  // --- courier ----------------------------------------------------------------------------

  startDeposit(terminal: string, courierCode: string): Promise<DepositSessionView> {
    return storeGate(this.ctx.db, "deposit", () => this.deposits.start(terminal, courierCode), DEPOSIT);
  }

  scanBarcode(terminal: string, barcode: string): DepositSessionView {
    return this.deposits.scan(terminal, barcode);
  }

  chooseSize(terminal: string, size?: CompartmentSize, zone?: string): Promise<DepositSessionView> {
    return storeGate(this.ctx.db, "deposit", () => this.deposits.chooseSize(terminal, size, zone), DEPOSIT);
  }

  /**
   * Installs another vertical's compartment gate (the cold extension does, once built: extensions
   * are built one after the other). undefined removes it.
   */
  setGate(gate: CompartmentGate | undefined): void {
    this.ctx.gate = gate;
  }

  /**
   * Installs the refusal of a resident's pickup (the trace extension's: a parcel holding a
   * recalled lot is not handed out; the courier's retrieval still is). undefined removes it.
   */
  setPickupGuard(guard: ((parcelId: string) => QhError | undefined) | undefined): void {
    this.ctx.pickupGuard = guard;
  }

  depositReserved(terminal: string, orderId: string, courierCode?: string): Promise<DepositSessionView> {
    return storeGate(
      this.ctx.db,
      "deposit",
      () => this.deposits.depositReserved(terminal, orderId, courierCode),
      DEPOSIT,
    );
  }

  endDeposit(terminal: string): void {
    this.deposits.end(terminal);
  }

  depositSession(terminal: string): DepositSessionView | undefined {
    return this.deposits.current(terminal);
  }

  retrieve(terminal: string, courierCode: string, choice?: RetrieveChoice): Promise<RetrieveResult> {
    return storeGate(this.ctx.db, "retrieval", () => this.overdue.retrieve(terminal, courierCode, choice));
  }

  // --- resident ---------------------------------------------------------------------------

  pickup(terminal: string, code: string): Promise<PickupResult> {
    return storeGate(this.ctx.db, "pickup", async () => {
      const r = await this.pickups.pickup(terminal, code);
      // e.g. the cold chain's coldChainBreach: the kiosk tells the resident
      const notice = this.ctx.gate?.pickupNotice?.(r.parcelId);
      return notice ? { ...r, ...notice } : r;
    });
  }

  // --- platform / customer service --------------------------------------------------------

  commands(): Record<string, CommandHandler> {
    return createLockerCommands(this);
  }

  remoteOpen(ref: CompartmentRef, reason: string, commandId?: string): Promise<JsonObject> {
    return storeGate(this.ctx.db, "remote open", () => this.admin.remoteOpen(ref, reason, commandId));
  }

  disable(ref: CompartmentRef, reason?: string): Promise<JsonObject> {
    return storeGate(this.ctx.db, "compartment.disable", () => this.admin.disable(ref, reason));
  }

  enable(ref: CompartmentRef, reason?: string): Promise<JsonObject> {
    return storeGate(this.ctx.db, "compartment.enable", () => this.admin.enable(ref, reason));
  }

  markSensorFault(ref: CompartmentRef, note: string): Promise<void> {
    return this.admin.sensorFault(ref, note);
  }

  cancelParcel(parcelId: string, force = false): Promise<JsonObject> {
    return storeGate(this.ctx.db, "parcel.cancel", () => this.admin.cancel(parcelId, force));
  }

  reserve(input: ReserveInput): Promise<ReservationView> {
    return storeGate(this.ctx.db, "reservation", () => this.reservations.reserve(input));
  }

  setCourierCodes(couriers: readonly CourierCodeInput[]): number {
    return this.ctx.courierCodes.replace(couriers, this.ctx.clock.now());
  }

  lockerDevices(): readonly string[] {
    return this.ctx.compartments.devices();
  }

  hasCompartment(ref: CompartmentRef): boolean {
    const row = this.ctx.compartments.get(ref);
    return row !== undefined && row.retired !== 1;
  }

  // --- views ------------------------------------------------------------------------------

  /** Throws QH_LOCKER_INPUT_INVALID or QH_LOCKER_TERMINAL_UNKNOWN unless `terminal` is one of the site's. */
  requireTerminal(terminal: string): void {
    this.ctx.terminals.require(terminal);
  }

  /** Slowed mode (site-wide guard): when codes are taken again, or undefined when not slowed. */
  slowedUntil(): number | undefined {
    return this.ctx.guard.slowedUntil();
  }

  /**
   * The compartments, of one locker bank or all. A device that is not a locker bank of this site
   * is QH_LOCKER_COMPARTMENT_UNKNOWN (404), never an empty list that looks like a bank.
   */
  compartments(device?: string): CompartmentView[] {
    if (device !== undefined && !this.lockerDevices().includes(device)) {
      throw new QhError(
        "QH_LOCKER_COMPARTMENT_UNKNOWN",
        `no locker bank ${device} at this site (banks: ${this.lockerDevices().join(", ") || "none"})`,
        { device },
      );
    }
    return this.ctx.compartments.list(device).map((r) => this.compartmentView(r));
  }

  compartment(ref: CompartmentRef): CompartmentView {
    return this.compartmentView(this.ctx.compartments.require(ref));
  }

  parcel(parcelId: string): ParcelView | undefined {
    const p = this.ctx.parcels.get(parcelId);
    return p ? parcelView(p) : undefined;
  }

  /** The temperature zones a deposit may ask for (the cold chain's gate; none: an empty list). */
  coldZones(): string[] {
    return [...(this.ctx.gate?.zones?.() ?? [])];
  }

  /** Free compartments per size at the terminal; with `zone`, only that cold zone's. */
  availability(terminal?: string, zone?: string): Partial<Record<CompartmentSize, number>> {
    return this.deposits.available(terminal, zone);
  }

  /** Free compartments per size at the terminal for each cold zone a deposit may ask for. */
  availabilityByZone(terminal?: string): Record<string, Partial<Record<CompartmentSize, number>>> {
    return Object.fromEntries(this.coldZones().map((z) => [z, this.deposits.available(terminal, z)]));
  }

  stateDocument(device: string): JsonObject {
    return this.statePublisher.document(device);
  }

  /** Kiosk / console notices: "deposit" (session view) and "collect" (pickup/retrieval door status). */
  on<K extends keyof LockerNotices>(notice: K, listener: Listener<LockerNotices[K]>): () => void {
    return this.ctx.notices.on(notice, listener);
  }

  /** Events committed with their state change but not yet taken by the event store. */
  pendingEvents(): number {
    return this.ctx.announcer.pendingCount();
  }

  /** Door reports kept in memory because the store could not write them. */
  unwrittenDoorReports(): number {
    return this.doors.unwrittenReports();
  }

  /**
   * Why the locker cannot do its job now, for /health: door reports the store could not write
   * (kept in memory), events the event store refused (waiting in locker_outbox).
   */
  /** Lines for /health `warnings`: slowed mode, locked-out terminals (the guard's). */
  warnings(): string[] {
    return this.ctx.guard.warnings();
  }

  /** The guessing guard's counts since start (wrong codes, codes refused unread), for the metrics. */
  guardTally(): GuardTally {
    return this.ctx.guard.tally;
  }

  problems(): string[] {
    const out: string[] = [];
    const doors = this.doors.unwrittenReports();
    if (doors > 0) out.push(`locker: ${doors} door report(s) not yet recorded (the store cannot write)`);
    // the store's own refusals (fault, watermark, quota) are the keeper's problems; the door reserve is ours
    const refused = depositRefusal(this.ctx.db);
    if (refused && (refused.details as { freeBytes?: number } | undefined)?.freeBytes !== undefined)
      out.push(`locker: deposits refused: under ${DOOR_RESERVE_BYTES / 1024} KiB free on the data disk`);
    out.push(...strandedProblems(stranded(this.ctx.db)));
    const waiting = this.ctx.announcer.waitingCount();
    if (waiting > 0)
      out.push(`locker: ${waiting} event(s) waiting in locker_outbox (the event store refused them)`);
    return out;
  }

  // --- internals ------------------------------------------------------------------------------

  /**
   * A parcel.deposited whose pickup code was lost with the process (crash between the commit and
   * the event store): the clear code exists nowhere, so a new one is issued (the old hash keeps
   * working too, in case the first event did reach the platform).
   */
  private reissueCode(data: JsonObject): JsonObject | undefined {
    const parcelId = data.parcelId;
    if (typeof parcelId !== "string") return undefined;
    const p = this.ctx.parcels.get(parcelId);
    if (!p || (p.state !== "stored" && p.state !== "overdue") || p.kind !== "delivery") return undefined;
    this.ctx.log.warn(
      { parcelId },
      this.lastStopClean
        ? "locker: pickup code of a deposit the event store had not taken at the last stop (kept in memory only); reissued"
        : "locker: pickup code lost in a crash before its event was stored; reissued",
    );
    return { pickupCode: this.ctx.pickupCodes.issue(parcelId), codeReissued: true };
  }

  private compartmentView(r: CompartmentRow): CompartmentView {
    const parcel = this.ctx.parcels.activeIn(r);
    return {
      device: r.device,
      compartment: r.compartment,
      size: r.size,
      state: r.state,
      reason: r.oos_reason,
      note: r.oos_note,
      reachable: r.reachable === 1,
      doorOpen: r.door_open === null ? null : r.door_open === 1,
      present: r.present === null ? null : r.present === 1,
      parcelId: parcel?.id ?? null,
      holder: holderOf(this.holds.held(r)),
    };
  }
}

const holderOf = (h: { owner: string; item: string } | undefined) =>
  h ? { owner: h.owner, item: h.item } : null;

/** Deposits are refused by the space too (the watermark, the quota, the door reserve). */
const DEPOSIT = { deposit: true } as const;
