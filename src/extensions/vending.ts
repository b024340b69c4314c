/**
 * The vending vertical: for each mdb-bridge-text bus (one vending machine behind its MDB bridge),
 * the serial line (real port, or the VMC+bridge simulator on an in-process pair), the bridge
 * driver and the cashless reader; one recorder (vending_sales, the outbox) for the site; the
 * platform's vend commands; the vending API.
 *
 *   bus (config) ─► SerialLink ─► MdbBridgeDriver ─► CashlessReader ─► VendingRecorder ─► EventSink
 *   platform command (vend.session, vend.authorize.result) ─► CashlessReader ─► C,START / C,VEND
 *
 * The audit, planogram and stock half (the `dex` helper) plugs in through VENDING_ADDONS below:
 * a sale hook run inside each sale's transaction (stock), the planogram's product for a slot, and
 * its own commands and routes built over the site (`fetchDex` reads a machine's DEX file).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import { vendingPlugin } from "../api/vending.js";
import type { DeviceModel } from "../config/models.js";
import { machineSettings } from "../config/vending.js";
import type { CommandHandler } from "../core/command.js";
import { QhError } from "../core/errors.js";
import { histogram } from "../core/metrics.js";
import { createVendingCommands } from "../domain/vending/commands.js";
import { Rationing, type RationSlot } from "../domain/vending/ration.js";
import { rationCommands } from "../domain/vending/ration-commands.js";
import { type SaleHook, VendingRecorder } from "../domain/vending/recorder.js";
import { migrateVending } from "../domain/vending/schema.js";
import { CashlessReader } from "../domain/vending/session.js";
import { MdbBridgeDriver } from "../drivers/mdb-bridge.js";
import type { Extension, ExtensionContext, ExtensionFactory } from "../gateway.js";
import { createVendingSim, type SimTallies, type VendingMachineSim } from "../sim/vending-machine.js";
import type { SerialLink } from "../southbound/serial/link.js";
import type { SiteSeams } from "./seams.js";
import { type SerialLineHooks, serialLine } from "./serial-line.js";
import { STOCK_ADDON } from "./vending-stock.js";

/** Bus protocols this vertical drives. */
export const VENDING_BUS_PROTOCOLS: ReadonlySet<string> = new Set(["mdb-bridge-text"]);

/** One machine of the site, as an add-on sees it. */
export interface VendingMachinePart {
  device: string;
  bus: string;
  reader: CashlessReader;
  link: SerialLink;
  sim?: VendingMachineSim;
}

/** What add-ons get: the machines, the recorder, and the DEX file of a machine. */
export interface VendingSite {
  ctx: ExtensionContext;
  /** what the site's verticals hand each other (the trace extension's lots: src/extensions/seams.ts) */
  seams: SiteSeams;
  machines: ReadonlyMap<string, VendingMachinePart>;
  recorder: VendingRecorder;
  /** The machine's DEX file as lines (C,DEX). QH_VEND_MACHINE_UNKNOWN; QH_VEND_REFUSED when the machine did not hand it over. */
  fetchDex(device: string): Promise<string[]>;
  /** The prices (minor units) a machine's reader accepts (vend.prices); QH_VEND_MACHINE_UNKNOWN. */
  setPriceRange(device: string, range: { min: number; max: number }): void;
}

/** A part of the vending vertical built by another module (the DEX audit, stock, prices). */
export interface VendingAddOn {
  name: string;
  /** runs inside every sale's transaction (cash and cashless): the stock decrement */
  onSale?: SaleHook;
  /** the planogram's product id for a slot, or null */
  productOf?: (device: string, slot: number) => string | null;
  /** the planogram's price and product of a slot (rationed vending, issue 11) */
  slotInfo?: (device: string, slot: number) => RationSlot | undefined;
  /** every planogram slot's price now (kept as the normal prices when an emergency begins) */
  allPrices?: () => { device: string; slot: number; price: number }[];
  build?: (site: VendingSite) => {
    commands?: Record<string, CommandHandler>;
    apiPlugins?: FastifyPluginAsync[];
    start?: () => Promise<void>;
    stop?: () => Promise<void>;
  };
}

/**
 * Add-ons composed into every vending site. The `dex` helper adds its audit/stock/prices part here
 * (one entry); nothing else in this file needs to change for it. With its stockPart
 * (src/extensions/vending-stock.ts on the dex branch), for example:
 *
 *   let part: StockPart | undefined;
 *   VENDING_ADDONS.push({
 *     name: "stock",
 *     productOf: (device, slot) => part?.productOf(device, slot) ?? null,
 *     build: (site) => {
 *       part = stockPart(site.ctx, site.recorder);          // hooks itself: recorder.onSale
 *       part.setDexFetch((device) => site.fetchDex(device));
 *       part.setPriceRange((device, range) => site.setPriceRange(device, range));
 *       return { commands: part.commands, apiPlugins: [part.apiPlugin], stop: async () => part?.stop() };
 *     },
 *   });
 */
export const VENDING_ADDONS: VendingAddOn[] = [STOCK_ADDON];

/** Items and prices of a simulated machine when the config gives none (demo). */
const DEMO_PRICES: Record<string, number> = { 1: 300, 2: 350, 3: 500, 4: 250, 5: 400, 6: 600 };
const DEMO_NAMES: Record<string, string> = {
  1: "Water 550ml",
  2: "Green tea",
  3: "Cola can",
  4: "Biscuits",
  5: "Instant noodles",
  6: "Milk 1L",
};

export function vendingExtension(
  _models: ReadonlyMap<string, DeviceModel>,
  hooks: SerialLineHooks = {},
  addOns: readonly VendingAddOn[] = VENDING_ADDONS,
  seams: SiteSeams = {},
): ExtensionFactory {
  return (ctx) => buildVending(ctx, hooks, addOns, seams);
}

function buildVending(
  ctx: ExtensionContext,
  hooks: SerialLineHooks,
  addOns: readonly VendingAddOn[],
  seams: SiteSeams,
): Extension {
  const { config, log, registry } = ctx;
  migrateVending(ctx.db);
  const recorder = new VendingRecorder(ctx.db, ctx.events, ctx.clock, log.child({ component: "vending" }));
  for (const a of addOns) if (a.onSale) recorder.onSale(a.onSale);
  const productOf = (device: string, slot: number): string | null => {
    for (const a of addOns) {
      const p = a.productOf?.(device, slot);
      if (p) return p;
    }
    return null;
  };
  // rationed vending (issue 11): the site mode's emergency rules, a gate before every cashless vend
  const ration = new Rationing({
    db: ctx.db,
    siteMode: seams.siteMode,
    clock: ctx.clock,
    log: log.child({ component: "vending-ration" }),
    timeZone: config.trace.timeZone,
    slotInfo: (device, slot) => {
      for (const a of addOns) {
        const s = a.slotInfo?.(device, slot);
        if (s) return s;
      }
      return undefined;
    },
    allPrices: () => addOns.flatMap((a) => a.allPrices?.() ?? []),
  });
  recorder.onSale(ration.onSale);
  const share = histogram(
    registry,
    "qh_vend_authorize_gateway_seconds",
    "The gateway's share of a select-first authorisation: vend request line in to vend.authorize committed, plus the platform's answer in to the approve line out",
    [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
  );
  const machines = new Map<string, VendingMachinePart & { driver: MdbBridgeDriver }>();

  for (const bus of config.buses) {
    if (!VENDING_BUS_PROTOCOLS.has(bus.protocol)) continue;
    const dev = bus.devices[0];
    if (!dev) continue;
    const s = machineSettings(config, dev.id);
    const simCfg = config.vending.machines.find((m) => m.device === dev.id)?.simulator;
    const mlog = log.child({ bus: bus.id, device: dev.id });
    const { link, sim } = serialLine(config, bus, { log, registry, hooks }, () => {
      // a real VMC keeps its audit totals since init in non-volatile memory: so does the simulated one
      const kept = simTallies(ctx.dataDir, dev.id);
      return createVendingSim({
        prices: simCfg?.prices ?? DEMO_PRICES,
        names: simCfg?.names ?? (simCfg?.prices ? undefined : DEMO_NAMES),
        setupRepeats: simCfg?.setupRepeats ?? 2, // as real machines do
        dispenseMs: simCfg?.dispenseMs ?? 800,
        tallies: kept.load(),
        onTallies: kept.save,
      });
    });
    let reader!: CashlessReader;
    const driver = new MdbBridgeDriver({
      device: dev.id,
      bus: bus.id,
      line: link,
      onEvent: (e) => reader.onEvent(e),
      onLink: (up) => reader.onLink(up),
      log: mlog,
      registry,
    });
    reader = new CashlessReader({
      settings: {
        device: dev.id,
        reader: {
          featureLevel: 1,
          countryCode: s.countryCode,
          scaleFactor: s.scaleFactor,
          decimalPlaces: s.decimalPlaces,
          maxResponseSeconds: s.maxResponseSeconds,
          options: 0,
        },
        authorizeWindowMs: s.authorizeWindowMs,
        sessionTimeoutSeconds: s.sessionTimeoutSeconds,
        offlineLimit: s.offlineLimit,
      },
      bridge: driver,
      recorder,
      events: ctx.events,
      ...(ctx.request ? { request: ctx.request } : {}),
      clock: ctx.clock,
      uplinkOnline: () => ctx.uplinkConnected?.() ?? false,
      productOf,
      // traceability: a slot holding a recalled or expired lot sells nothing cashless
      // rationed vending in emergency mode: essentials only, per household per day, price cap
      slotGate: (device, slot, vend) =>
        seams.trace?.slotBlock(device, slot) ?? ration.gate(device, slot, vend),
      onGatewayShare: (ms) => share.observe(ms / 1000),
      log: mlog,
    });
    machines.set(dev.id, {
      device: dev.id,
      bus: bus.id,
      reader,
      link,
      driver,
      sim: sim as VendingMachineSim | undefined,
    });
  }

  const readers = new Map([...machines].map(([d, m]) => [d, m.reader]));
  const site: VendingSite = {
    ctx,
    seams,
    machines,
    recorder,
    fetchDex: async (device) => {
      const m = machines.get(device);
      if (!m) throw new QhError("QH_VEND_MACHINE_UNKNOWN", `no vending machine ${device} at this site`);
      // a DEX transfer holds the line for seconds: an approval behind it would come too late
      if (m.reader.busy)
        throw new QhError(
          "QH_DEX_AUDIT_BUSY",
          `machine ${device} has a cashless session or vend in flight: audit it once it is idle`,
        );
      const r = await m.driver.send({ kind: "dex" });
      if (r.kind !== "dex")
        throw new QhError(
          "QH_VEND_REFUSED",
          `machine ${device} did not hand over its DEX file (${"reason" in r ? r.reason : r.kind})`,
        );
      return r.lines;
    },
    setPriceRange: (device, range) => {
      const m = machines.get(device);
      if (!m) throw new QhError("QH_VEND_MACHINE_UNKNOWN", `no vending machine ${device} at this site`);
      m.reader.setPriceRange(range);
    },
  };
  const built = addOns.map((a) => a.build?.(site) ?? {});
  const sims = new Map([...machines].flatMap(([d, m]) => (m.sim ? [[d, m.sim] as const] : [])));

  const commands: Record<string, CommandHandler> = {
    ...(machines.size > 0 ? createVendingCommands(readers) : {}),
    ...Object.assign({}, ...built.map((b) => b.commands ?? {})),
  };

  return {
    name: "vending",
    commands: {
      ...commands,
      ...rationCommands(ration, commands, [...machines.keys()], () => ctx.clock.now()),
    },
    apiPlugins: [
      vendingPlugin(() => [...readers.values()].map((r) => r.view()), sims),
      ...built.flatMap((b) => b.apiPlugins ?? []),
    ],
    problems: () => {
      const out: string[] = [...recorder.problems()];
      // one line per problem, each with its code (the hint in src/core/errors.ts says what to do)
      for (const m of machines.values()) {
        const at = `vending machine ${m.device}`;
        out.push(...m.reader.problems());
        if (!m.link.connected)
          out.push(`${at}: QH_SERIAL_CLOSED: bus ${m.bus} down (the bridge's port is gone or closed)`);
        else if (m.driver.silent)
          out.push(`${at}: QH_VEND_BRIDGE_SILENT: the MDB bridge does not answer (${m.driver.silent})`);
        else if (m.reader.readerState === "INACTIVE" || m.reader.readerState === "DISABLED")
          out.push(
            `${at}: QH_VEND_NOT_READY: reader ${m.reader.readerState.toLowerCase()} (the machine has not enabled it)`,
          );
      }
      return out;
    },
    start: async () => {
      await recorder.flush();
      recorder.startFlushing(); // events the event store refused go out once it recovers
      for (const m of machines.values()) {
        await m.reader.start();
        m.sim?.powerUp(); // the simulated machine is on before its line opens
        m.driver.start();
        m.link.start(); // once up, the reader declares itself (C,CONFIG, C,1)
      }
      for (const b of built) await b.start?.();
      ration.start(); // the planogram is there now: an emergency kept across a restart has its cap
    },
    stop: async () => {
      ration.stop();
      await recorder.stopFlushing();
      for (const b of [...built].reverse()) await b.stop?.();
      for (const m of machines.values()) {
        m.reader.stop();
        m.driver.stop();
        await m.link.stop();
        m.sim?.stop();
      }
    },
  };
}

/**
 * The simulated machine's audit counters in the data directory (`sim-vending-<device>.json`), so
 * a gateway restart does not look like a machine whose counters were reset. A file that cannot be
 * read starts the counters at zero (logged by nobody: it is a simulator).
 */
function simTallies(dataDir: string, device: string) {
  const file = join(dataDir, `sim-vending-${device}.json`);
  return {
    load: (): Record<string, SimTallies> | undefined => {
      try {
        return JSON.parse(readFileSync(file, "utf8")) as Record<string, SimTallies>;
      } catch {
        return undefined;
      }
    },
    save: (t: Record<string, SimTallies>): void => {
      try {
        writeFileSync(`${file}.tmp`, JSON.stringify(t));
        renameSync(`${file}.tmp`, file);
      } catch {
        // a simulator's counters: the next audit reports a reset, nothing else is lost
      }
    },
  };
}
