/**
 * The parcel locker vertical: its serial lines (lock boards and scanners; real ports, or
 * simulators on in-process links), bus masters, locker-bank and scanner drivers, the locker domain
 * service, the kiosk API and, for simulated lines, the simulator control API. Only
 * `src/extensions/` and gateway.ts wire concrete parts.
 *
 *   bus (config) ─► SerialLink (serialport | in-process pair ◄─ simulator) ─► BusMaster
 *        ─► LockerBankDriver (model: boards, locks → compartments) ─► LockerService ─► EventSink
 *   scanner bus ─► SerialLink ─► ScannerDriver ─► scan routing (courier / barcode / pickup)
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Counter, Gauge } from "prom-client";
import { kioskPlugin } from "../api/kiosk.js";
import { type SimulatedBank, simPlugin } from "../api/sim.js";
import {
  boardAddresses,
  type DeviceModel,
  type LockerBankModel,
  type ScannerModel,
} from "../config/models.js";
import type { BusConfig } from "../config/schema.js";
import { siteTerminals, terminalWarnings } from "../config/terminals.js";
import { QhError } from "../core/errors.js";
import { masterHealth } from "../domain/commissioning/site.js";
import type { CompartmentRef, LockerBankLayout, LockPort } from "../domain/locker/index.js";
import { LockerService } from "../domain/locker/index.js";
import { expectedYearsToGuess } from "../domain/locker/settings.js";
import { looksLikeGs1 } from "../domain/trace/gs1.js";
import { kerongCu16Adapter } from "../drivers/kerong-cu16-adapter.js";
import type { LockBoardAdapter } from "../drivers/lock-board-adapter.js";
import { lockboardXorAdapter } from "../drivers/lockboard-xor-adapter.js";
import { type BankBoard, LockerBankDriver } from "../drivers/locker-bank.js";
import { type ConfiguredAt, lockBoardProbe } from "../drivers/scan-probes.js";
import { ScannerDriver } from "../drivers/scanner.js";
import type { Extension, ExtensionContext, ExtensionFactory } from "../gateway.js";
import { createKerongSim, type KerongUnlockReply } from "../sim/kerong-cu16.js";
import { createLockboardSim } from "../sim/lockboard-xor.js";
import { createScannerSim, type ScannerSim } from "../sim/scanner-line.js";
import type { Simulator } from "../sim/types.js";
import { BusMaster } from "../southbound/serial/bus-master.js";
import type { SerialLink } from "../southbound/serial/link.js";
import type { Db } from "../store/db.js";
import { type LockerLayoutPort, lockerLayoutPort, siteLayout } from "./locker-layout.js";
import { LotScanNotices, loadLotScan } from "./lot-scan.js";
import { linePresence } from "./presence.js";
import type { SiteSeams } from "./seams.js";
import { type SerialLineHooks, serialLine } from "./serial-line.js";

/** The demo site's courier (simulated sites only, and only while no courier codes were synced). */
export const DEMO_COURIER = { id: "courier-demo", code: "24681357" };

/** Site secret for the keyed hashes of pickup and courier codes: created once, kept in dataDir. */
function siteKey(dataDir: string, db: Db): Buffer {
  const f = join(dataDir, "locker.key");
  if (existsSync(f)) {
    let key: Buffer;
    try {
      key = Buffer.from(readFileSync(f, "utf8").trim(), "hex");
    } catch (err) {
      throw new QhError(
        "QH_LOCKER_KEY_MISSING",
        `${f} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): the pickup and courier codes stored are hashed with it`,
        { file: f },
      );
    }
    if (key.length !== 32)
      throw new QhError(
        "QH_LOCKER_KEY_MISSING",
        `${f} is damaged (${key.length} bytes of key instead of 32): the pickup and courier codes stored are hashed with it`,
        { file: f },
      );
    return key;
  }
  // Stored codes are keyed hashes: a new key would silently turn every resident's code "wrong".
  const codes = storedCodes(db);
  if (codes > 0) {
    throw new QhError(
      "QH_LOCKER_KEY_MISSING",
      `${f} is missing while the store holds ${codes} pickup or courier code(s) hashed with it: no stored code would match`,
      { file: f, codes },
    );
  }
  const k = randomBytes(32);
  writeFileSync(f, k.toString("hex"), { mode: 0o600 });
  return k;
}

/** How many pickup and courier code hashes the store holds (0 before the locker's tables exist). */
function storedCodes(db: Db): number {
  let n = 0;
  for (const t of ["locker_pickup_codes", "locker_courier_codes"]) {
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) === undefined)
      continue;
    n += db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  }
  return n;
}

interface BusParts {
  bus: BusConfig;
  simulated: boolean;
  link: SerialLink;
  master?: BusMaster<unknown>;
  drivers: LockerBankDriver<unknown>[];
  scanners: ScannerDriver[];
  sim?: Simulator;
}

export type LockerHooks = SerialLineHooks;

/** Bus protocols this vertical drives (lock boards and the kiosk's barcode scanners). */
export const LOCKER_BUS_PROTOCOLS: ReadonlySet<string> = new Set([
  "lockboard-xor",
  "kerong-cu16",
  "scanner-line",
]);

export function lockerExtension(
  models: ReadonlyMap<string, DeviceModel>,
  hooks: LockerHooks = {},
  seams: SiteSeams = {},
): ExtensionFactory {
  return (ctx) => buildLocker(ctx, models, hooks, seams);
}

function buildLocker(
  ctx: ExtensionContext,
  models: ReadonlyMap<string, DeviceModel>,
  hooks: LockerHooks,
  seams: SiteSeams,
): Extension {
  const { config, log, registry } = ctx;
  const parts: BusParts[] = [];
  const drivers = new Map<string, LockerBankDriver<unknown>>();
  const layouts: LockerBankLayout[] = [];
  let settleLayout = () => {};
  const layoutBanks = new Map<string, { boards: BankBoard[]; model: LockerBankModel }>();
  const banks = new Map<string, SimulatedBank>();
  const scannerSims = new Map<string, ScannerSim>();
  const scans: { device: string; code: string }[] = [];
  let onScan: (device: string, code: string) => void = (device, code) => scans.push({ device, code });

  const doors = {
    onDoor: (ref: CompartmentRef, report: { open: boolean; present?: boolean; ts: number }) =>
      service.onDoor(ref, report),
    onReachability: (d: string, b: string | number, r: boolean) => service.onReachability(d, b, r),
  };

  config.buses.forEach((bus, i) => {
    if (!LOCKER_BUS_PROTOCOLS.has(bus.protocol)) return; // another vertical's line
    const blog = log.child({ bus: bus.id });
    const deps = { log, registry, hooks };
    if (bus.protocol === "scanner-line") {
      const dev = bus.devices[0];
      const model = dev ? (models.get(dev.model) as ScannerModel | undefined) : undefined;
      const cfg = {
        ...(model?.protocolOptions ?? {}),
        ...bus.protocolOptions,
      } as ScannerModel["protocolOptions"];
      const bytes = (s?: string) => (s ? [...Buffer.from(s, "latin1")] : undefined);
      const opts = { terminator: cfg.terminator, prefix: bytes(cfg.prefix), suffix: bytes(cfg.suffix) };
      const { link, simulated, sim } = serialLine(config, bus, deps, () =>
        createScannerSim({
          terminator: opts.terminator === "auto" ? "CR" : opts.terminator,
          prefix: opts.prefix,
          suffix: opts.suffix,
        }),
      );
      if (sim && dev) scannerSims.set(dev.id, sim);
      const scanners = bus.devices.map(
        (d) =>
          new ScannerDriver({
            device: d.id,
            bus: bus.id,
            link,
            options: opts,
            onScan: (device, code) => onScan(device, code),
            log: blog.child({ device: d.id }),
            registry,
          }),
      );
      parts.push({ bus, simulated, link, drivers: [], scanners, sim });
      return;
    }

    // a lock-board line
    const bankModels = bus.devices.map((d) => {
      const m = models.get(d.model);
      if (m?.kind !== "locker-bank") {
        throw new QhError(
          "QH_CONFIG_INVALID",
          `buses[${i}].devices: ${d.id}'s model ${d.model} is not a locker bank`,
        );
      }
      return { d, m: m as LockerBankModel };
    });
    const first = bankModels[0]?.m;
    const protoOpts = { ...(first?.protocolOptions ?? {}), ...bus.protocolOptions } as {
      openReply?: "echo" | "status";
      unlockReply?: KerongUnlockReply;
    };
    const adapter = (
      bus.protocol === "lockboard-xor"
        ? lockboardXorAdapter({ openReply: protoOpts.openReply })
        : kerongCu16Adapter()
    ) as LockBoardAdapter<unknown>;
    const { link, simulated, sim } = serialLine<Simulator>(config, bus, deps, () => {
      const addresses = bankModels.flatMap(({ d, m }) => boardAddresses(m, d.address));
      const locks = Math.max(1, ...bankModels.flatMap(({ m }) => m.boards.map((b) => b.locks)));
      return bus.protocol === "lockboard-xor"
        ? createLockboardSim({ boards: addresses, locksPerBoard: locks, openReply: protoOpts.openReply })
        : createKerongSim({ boards: addresses, unlockReply: protoOpts.unlockReply });
    });
    const master = new BusMaster<unknown>({
      id: bus.id,
      link,
      decoder: adapter.createDecoder(),
      describe: adapter.describe,
      isUnsolicited: adapter.isUnsolicited,
      log, // adds { bus } itself
      registry,
      defaults: { timeoutMs: bus.timeoutMs, retries: bus.retries },
      pollCycleMs: bus.pollIntervalMs,
    });
    const configured = new Map<number, ConfiguredAt>();
    for (const { d, m } of bankModels)
      for (const b of m.boards)
        configured.set(d.address + b.offset, { device: d.id, model: m.id, locks: b.locks });
    seams.commissioning?.addLine({
      bus: bus.id,
      protocol: bus.protocol,
      range: bus.protocol === "kerong-cu16" ? [0, 15] : [0, 255],
      defaultRange: bus.protocol === "kerong-cu16" ? [0, 15] : [1, 32],
      probe: lockBoardProbe({
        master,
        adapter,
        timeoutMs: bus.timeoutMs,
        configured,
        defaultLocks: bus.protocol === "kerong-cu16" ? 16 : 24,
      }),
      ...masterHealth(bus.id, master),
    });
    const busDrivers: LockerBankDriver<unknown>[] = [];
    for (const { d, m } of bankModels) {
      const boards: BankBoard[] = m.boards.map((b, index) => ({
        index,
        address: d.address + b.offset,
        locks: b.locks,
        presence: b.sensors.presence,
      }));
      const driver = new LockerBankDriver<unknown>({
        device: d.id,
        boards,
        compartments: m.compartments.map((c) => ({ id: c.id, board: c.board, lock: c.lock })),
        bus: master,
        adapter,
        doors,
        log: blog.child({ device: d.id }),
        clock: ctx.clock,
      });
      drivers.set(d.id, driver);
      busDrivers.push(driver);
      const lockSim = simulated
        ? (sim as unknown as { closeAfter?: (b: number, l: number, ms: number) => void })
        : undefined;
      seams.commissioning?.addBank({
        bank: d.id,
        bus: bus.id,
        model: m.id,
        locks: m.compartments.map((c, i) => ({
          lock: i + 1,
          compartment: c.id,
          address: d.address + m.boards[c.board]!.offset,
          boardLock: c.lock,
        })),
        read: (c) => driver.readDoor(c),
        pulse: async (c) =>
          String((await service.remoteOpen({ device: d.id, compartment: c }, "door test")).door),
        view: (c) => service.compartment({ device: d.id, compartment: c }),
        ...(lockSim?.closeAfter
          ? {
              shutByHand: (c: string, ms: number) => {
                const w = driver.where(c);
                if (w) lockSim.closeAfter?.(w.address, w.lock, ms);
              },
            }
          : {}),
      });
      layouts.push(siteLayout(d.id, boards, m, d.compartments));
      layoutBanks.set(d.id, { boards, model: m });
      if (simulated && sim) {
        banks.set(d.id, {
          sim: sim as unknown as SimulatedBank["sim"],
          where: (compartment) => {
            const c = m.compartments.find((x) => x.id === compartment);
            if (!c) return undefined;
            return { board: d.address + m.boards[c.board]!.offset, lock: c.lock };
          },
          boards: boards.map((b) => b.address),
        });
      }
    }
    parts.push({ bus, simulated, link, master, drivers: busDrivers, scanners: [], sim });
  });

  const lockPort: LockPort = {
    open: (ref) => {
      const d = drivers.get(ref.device);
      if (!d)
        return Promise.reject(new QhError("QH_LOCKER_COMPARTMENT_UNKNOWN", `no locker device ${ref.device}`));
      return d.open(ref);
    },
  };
  const terminals = siteTerminals(config);
  const terminalOfScanner = new Map(
    terminals.flatMap((t) => (t.scanner ? [[t.scanner, t.id] as const] : [])),
  );
  const service = new LockerService({
    terminals: Object.fromEntries(terminals.map((t) => [t.id, t.banks])),
    db: ctx.db,
    events: ctx.events,
    durable: ctx.durable,
    // after every state change: the site layout's disables wait for a compartment to be emptied
    state: {
      state: (device, doc) => {
        ctx.state(device, doc);
        settleLayout();
      },
    },
    lock: lockPort,
    layout: layouts,
    secretKey: siteKey(ctx.dataDir, ctx.db),
    settings: config.locker,
    clock: ctx.clock,
    logger: log, // the service adds { component: "locker" } itself
  });
  if (layouts.length > 0) lockerGauges(registry, service);
  const layout =
    layouts.length > 0
      ? lockerLayoutPort({
          db: ctx.db,
          log,
          now: () => ctx.clock.now(),
          service: () => service,
          banks: layoutBanks,
        })
      : undefined;
  if (layout) settleLayout = () => void layout.keeper.settle();

  // the cold chain (src/extensions/cold.ts) installs its compartment gate here
  if (layouts.length > 0) seams.locker = service;
  // the distribution rounds (src/extensions/distribution.ts) hold compartments through these
  if (layouts.length > 0) Object.assign(seams, { lockerHolds: service.holds, lockerService: service });
  // the trace extension's lots: a parcel holding a recalled lot is not handed to the resident
  if (layouts.length > 0) service.setPickupGuard((parcelId) => seams.trace?.pickupRefusal(parcelId));

  // the outcome of each lot scanned during a deposit, for the kiosk page (src/extensions/lot-scan.ts)
  const lotNotices = new LotScanNotices();

  // scans: "qh:courier:CODE" starts a deposit, a scan during a deposit is the parcel's barcode,
  // "qh:pickup:CODE" (or a bare code of the pickup length) collects a parcel.
  onScan = (scanner, code) => {
    const terminal = terminalOfScanner.get(scanner);
    const slog = log.child({ device: scanner, terminal });
    if (terminal === undefined) {
      slog.warn("scan ignored: this scanner belongs to no kiosk terminal (locker.terminals)");
      return;
    }
    const run = async () => {
      // a volunteer loading a distribution round: their code, then bundle labels
      const forRound = seams.distribution?.scan(terminal, code);
      if (forRound) return forRound;
      if (code.startsWith("qh:courier:")) return service.startDeposit(terminal, code.slice(11));
      // a GS1 pack label while a deposit's door is assigned or open: a lot loaded into the parcel
      // (at any other step the scan goes where it went before: a parcel's barcode, a pickup code)
      const trace = seams.trace;
      const step = service.depositSession(terminal)?.step;
      if (
        trace &&
        (step === "opening" || step === "open") &&
        looksLikeGs1(code, { separator: config.trace.gs1.separator })
      )
        return loadLotScan(service, trace, lotNotices, terminal, code);
      const session = service.depositSession(terminal);
      if (session && session.step === "scan") return service.scanBarcode(terminal, code);
      const pickup = code.startsWith("qh:pickup:") ? code.slice(10) : code;
      if (/^\d+$/.test(pickup) && pickup.length === service.settings.codeLength)
        return service.pickup(terminal, pickup);
      slog.info({ code: code.length }, "scan ignored: no deposit in progress and not a pickup code");
      return undefined;
    };
    run().then(
      (r) => slog.info({ result: r ? "accepted" : "ignored" }, "scan handled"),
      (err: Error & { code?: string }) => slog.warn({ err: err.message, code: err.code }, "scan refused"),
    );
  };
  for (const s of scans.splice(0)) onScan(s.device, s.code);

  const anySimulated = parts.some((p) => p.simulated);
  return {
    name: "locker",
    commands: layouts.length > 0 ? service.commands() : undefined,
    ...(layout ? { lockerLayout: layout.port satisfies LockerLayoutPort } : {}),
    apiPlugins: [
      ...(layouts.length > 0 ? [kioskPlugin(service, { lots: lotNotices, siteMode: seams.siteMode })] : []),
      ...(anySimulated ? [simPlugin(banks, scannerSims)] : []),
    ],
    scrubAfterDelivery: [{ type: "parcel.deposited", path: "$.data.pickupCode" }],
    ...(layouts.length > 0 ? { outboxWaiting: () => ({ locker_outbox: service.pendingEvents() }) } : {}),
    ...(layouts.length > 0 ? { warnings: () => service.warnings() } : {}),
    presence: () => {
      const out: Record<string, boolean | null> = {};
      for (const p of parts) {
        if (!p.master) continue;
        const ids = p.drivers.map((d) => d.device);
        Object.assign(
          out,
          linePresence(p.link.connected, p.master.targets(), ids, (d, t) => t.startsWith(`${d}@`)),
        );
      }
      return out;
    },
    problems: () => {
      const out: string[] = [];
      for (const p of parts) {
        if (!p.link.connected) out.push(`bus ${p.bus.id} down`);
        for (const t of p.master?.targets() ?? [])
          if (!t.reachable) out.push(`bus ${p.bus.id}: ${t.target} unreachable`);
      }
      if (layouts.length > 0) out.push(...service.problems());
      return out;
    },
    start: async () => {
      if (layouts.length > 0) {
        const compartments = layouts.reduce((n, l) => n + l.compartments.length, 0);
        const years = expectedYearsToGuess(service.settings, compartments);
        const figure = {
          terminals: terminals.map((t) => t.id),
          compartments,
          yearsToGuessOneCode: Number(years.toFixed(2)),
        };
        if (years < 1) {
          log.warn(
            figure,
            "locker: pickup codes could be guessed within a year at the guard's limit; raise locker.codeLength",
          );
        } else log.info(figure, "locker: kiosk terminals and the guessing guard");
        for (const w of terminalWarnings(config)) log.warn(w);
        if (anySimulated && !hasCouriers(ctx)) {
          service.setCourierCodes([DEMO_COURIER]);
          log.info({ courier: DEMO_COURIER.id }, "simulated site: demo courier code installed");
        }
        await service.start();
        await layout?.keeper.apply(layouts); // enabled: false of the site layout
        const waiting = layout?.port.pending() ?? [];
        if (waiting.length > 0)
          log.info({ compartments: waiting }, "locker: disabled by the site layout once emptied");
      }
      for (const p of parts) {
        for (const d of p.drivers) d.start();
        p.master?.start();
        for (const s of p.scanners) s.start();
      }
    },
    stop: async () => {
      for (const p of parts) {
        for (const s of p.scanners) await s.stop();
        for (const d of p.drivers) d.stop();
        await p.master?.stop();
        p.sim?.stop();
      }
      if (layouts.length > 0) await service.stop();
    },
  };
}

/**
 * A lot scanned at a terminal (traceability): recorded with the parcel whose deposit has its door
 * assigned or open there (`parcel.lot_loaded`); QH_TRACE_NO_LOADING when that deposit is gone; a
 * code that is not a lot, or a recalled or expired lot, its own code (the scan is refused, logged).
 */
function hasCouriers(ctx: ExtensionContext): boolean {
  try {
    return (ctx.db.prepare("SELECT count(*) FROM locker_courier_codes").pluck().get() as number) > 0;
  } catch {
    return false;
  }
}

/**
 * Metrics read at scrape time: the locker's waiting events, its unwritten door reports, and the
 * guessing guard's counts (wrong codes per declared terminal and kind; codes refused unread).
 */
function lockerGauges(registry: ExtensionContext["registry"], service: LockerService): void {
  if (registry.getSingleMetric("qh_locker_outbox_pending")) return;
  new Gauge({
    name: "qh_locker_outbox_pending",
    help: "Locker events committed with their state change, not yet taken by the event store (locker_outbox)",
    registers: [registry],
    collect() {
      this.set(service.pendingEvents());
    },
  });
  new Gauge({
    name: "qh_locker_door_reports_unwritten",
    help: "Door reports kept in memory because the store could not write them (written once it can)",
    registers: [registry],
    collect() {
      this.set(service.unwrittenDoorReports());
    },
  });
  new Counter({
    name: "qh_kiosk_wrong_codes_total",
    help: "Wrong pickup and courier codes, per kiosk terminal and kind",
    labelNames: ["terminal", "kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of service.guardTally().wrong.values())
        this.inc({ terminal: w.terminal, kind: w.kind }, w.n);
    },
  });
  new Counter({
    name: "qh_kiosk_codes_refused_total",
    help: "Kiosk requests refused before any code was checked: terminal_unknown, locked_out, site_slowed",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of service.guardTally().refused) this.inc({ reason }, n);
    },
  });
}
