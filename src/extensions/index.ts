/**
 * Which verticals a site needs: each extension claims the serial-bus protocols it drives, and a
 * config's buses pick the extensions. Adding a vertical adds a file in this directory and one entry
 * in `VERTICALS`, never a branch in the gateway.
 */
import { type DeviceModel, loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";
import { terminalWarnings } from "../config/terminals.js";
import { QhError } from "../core/errors.js";
import type { ExtensionFactory } from "../gateway.js";
import { COLD_BUS_PROTOCOLS, checkColdConfig, coldConfigWarnings, coldExtension } from "./cold.js";
import { DISTRIBUTION_BUS_PROTOCOLS, distributionExtension, distributionWanted } from "./distribution.js";
import { LOCKER_BUS_PROTOCOLS, lockerExtension } from "./locker.js";
import { commissioningSeam, opsExtension } from "./ops.js";
import type { SiteSeams } from "./seams.js";
import type { SerialLineHooks } from "./serial-line.js";
import { SITE_BUS_PROTOCOLS, siteExtension } from "./site.js";
import { checkTraceConfig, TRACE_BUS_PROTOCOLS, traceExtension, traceWanted } from "./trace.js";
import { VENDING_BUS_PROTOCOLS, vendingExtension } from "./vending.js";

/** One vertical: the bus protocols it drives and how to build it. */
export interface Vertical {
  name: string;
  busProtocols: ReadonlySet<string>;
  /** what `config check` runs without opening anything: the start's own cross-checks (QhError) */
  check?: (config: Config, models: ReadonlyMap<string, DeviceModel>) => void;
  /** what `config check` warns about (the config is valid): one line each, with the key path */
  warnings?: (config: Config, models: ReadonlyMap<string, DeviceModel>) => string[];
  /** whether the site needs it even without one of its buses (default: only with one) */
  wanted?: (config: Config) => boolean;
  /** `seams`: what the site's verticals hand each other (one object per site, see seams.ts) */
  factory: (
    models: ReadonlyMap<string, DeviceModel>,
    hooks: SerialLineHooks,
    seams: SiteSeams,
  ) => ExtensionFactory;
}

export const VERTICALS: readonly Vertical[] = [
  {
    // first: it sets seams.siteMode while being built, the verticals after it read it then
    name: "site",
    busProtocols: SITE_BUS_PROTOCOLS,
    wanted: () => true,
    factory: (_models, _hooks, seams) => siteExtension(seams),
  },
  {
    name: "locker",
    busProtocols: LOCKER_BUS_PROTOCOLS,
    warnings: terminalWarnings,
    factory: (models, hooks, seams) => lockerExtension(models, hooks, seams),
  },
  {
    name: "cold",
    busProtocols: COLD_BUS_PROTOCOLS,
    check: checkColdConfig,
    warnings: coldConfigWarnings,
    factory: (models, hooks, seams) => coldExtension(models, hooks, seams),
  },
  {
    name: "vending",
    busProtocols: VENDING_BUS_PROTOCOLS,
    factory: (models, hooks, seams) => vendingExtension(models, hooks, undefined, seams),
  },
  {
    // after the locker (its holds) and the cold chain (its zones' gate); issue 11
    name: "distribution",
    busProtocols: DISTRIBUTION_BUS_PROTOCOLS,
    wanted: distributionWanted,
    factory: (_models, _hooks, seams) => distributionExtension(seams),
  },
  {
    // last: it reads what the locker and vending published in the seams, and they read it later
    name: "trace",
    busProtocols: TRACE_BUS_PROTOCOLS,
    check: checkTraceConfig,
    wanted: traceWanted,
    factory: (_models, _hooks, seams) => traceExtension(seams),
  },
  {
    // the commissioning tools (scan, door test, reports, live view): last, once every line is known
    name: "ops",
    busProtocols: new Set(),
    wanted: () => true,
    factory: (_models, _hooks, seams) => opsExtension(seams),
  },
];

/**
 * The extensions this config needs, in `VERTICALS` order.
 * @throws QhError QH_CONFIG_INVALID naming `buses[i].protocol` when no vertical drives a bus's protocol
 */
export function extensionsFor(
  config: Config,
  models: ReadonlyMap<string, DeviceModel> = loadModels(),
  hooks: SerialLineHooks = {},
): ExtensionFactory[] {
  const seams: SiteSeams = {};
  commissioningSeam(seams);
  config.buses.forEach((bus, i) => {
    if (!VERTICALS.some((v) => v.busProtocols.has(bus.protocol))) {
      const known = VERTICALS.flatMap((v) => [...v.busProtocols]).join(", ");
      throw new QhError(
        "QH_CONFIG_INVALID",
        `buses[${i}].protocol: ${bus.protocol} is not supported by this version (${known})`,
      );
    }
  });
  return VERTICALS.filter(
    (v) => v.wanted?.(config) || config.buses.some((b) => v.busProtocols.has(b.protocol)),
  ).map((v) => v.factory(models, hooks, seams));
}

/**
 * `config check`'s part of the verticals: the bus protocols, then each needed vertical's own
 * cross-checks, without building or opening anything.
 * @returns every vertical's warnings (a valid config that is probably not what was meant)
 * @throws QhError QH_CONFIG_INVALID with the key path
 */
export function checkVerticals(
  config: Config,
  models: ReadonlyMap<string, DeviceModel> = loadModels(),
): string[] {
  extensionsFor(config, models);
  for (const v of VERTICALS) {
    if (v.wanted?.(config) || config.buses.some((b) => v.busProtocols.has(b.protocol)))
      v.check?.(config, models);
  }
  return VERTICALS.flatMap((v) => v.warnings?.(config, models) ?? []);
}
