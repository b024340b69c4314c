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
import { type LockerLayoutPort, lockerLayoutPort, siteLayout } from "./locker-layout.js";
import { hasCouriers, liveBundleCodes, lockerGauges, siteKey } from "./locker-support.js";
import { LotScanNotices, loadLotScan } from "./lot-scan.js";
import { PickupRefusals } from "./pickup-refusal.js";
import { linePresence } from "./presence.js";
import type { SiteSeams } from "./seams.js";
import { type SerialLineHooks, serialLine } from "./serial-line.js";

/** The demo site's courier (simulated sites only, and only while no courier codes were synced). */
export const DEMO_COURIER = { id: "courier-demo", code: "24681357" };

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
  // a resident's scanned pickup code refused: the kiosk page shows it (src/extensions/pickup-refusal.ts)
  const pickupRefusals = new PickupRefusals(ctx.clock);

  // scans: "qh:courier:CODE" starts a deposit, a scan during a deposit is the parcel's barcode,
  // "qh:pickup:CODE" (or a bare code of codeLength to 12 digits) collects a parcel or a bundle.
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
      // a parcel's code has codeLength digits, a bundle's codeLength to 12
      const pickup = code.startsWith("qh:pickup:") ? code.slice(10) : code;
      if (/^\d+$/.test(pickup) && pickup.length >= service.settings.codeLength && pickup.length <= 12)
        return pickupRefusals.watch(terminal, pickup, () => service.pickup(terminal, pickup));
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
      ...(layouts.length > 0
        ? [
            kioskPlugin(service, {
              lots: lotNotices,
              pickupRefusals,
              siteMode: seams.siteMode,
              timeZone: ctx.config.trace.timeZone,
            }),
          ]
        : []),
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
        // live bundle codes count too (a round holds far more than compartments), at codeLength
        // digits: a bound (distribution.load checked each code's own length when it came)
        const bundleCodes = liveBundleCodes(ctx.db);
        const years = expectedYearsToGuess(service.settings, compartments + bundleCodes);
        const figure = {
          terminals: terminals.map((t) => t.id),
          compartments,
          liveBundleCodes: bundleCodes,
          yearsToGuessOneCode: Number(years.toFixed(2)),
        };
        if (years < 1) {
          log.warn(
            figure,
            "locker: pickup codes could be guessed within a year at the guard's limit (live bundle codes counted at codeLength digits); raise locker.codeLength",
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
