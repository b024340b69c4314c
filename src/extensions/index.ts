/**
 * Which verticals a site needs: each extension claims the serial-bus protocols it drives, and a
 * config's buses pick the extensions. Adding a vertical adds a file in this directory and one entry
 * in `VERTICALS`, never a branch in the gateway.
 */
import { type DeviceModel, loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";
import { QhError } from "../core/errors.js";
import type { ExtensionFactory } from "../gateway.js";
import { LOCKER_BUS_PROTOCOLS, lockerExtension } from "./locker.js";
import type { SerialLineHooks } from "./serial-line.js";
import { VENDING_BUS_PROTOCOLS, vendingExtension } from "./vending.js";

/** One vertical: the bus protocols it drives and how to build it. */
export interface Vertical {
  name: string;
  busProtocols: ReadonlySet<string>;
  /** whether the site needs it even without one of its buses (default: only with one) */
  wanted?: (config: Config) => boolean;
  factory: (models: ReadonlyMap<string, DeviceModel>, hooks: SerialLineHooks) => ExtensionFactory;
}

export const VERTICALS: readonly Vertical[] = [
  {
    name: "locker",
    busProtocols: LOCKER_BUS_PROTOCOLS,
    factory: (models, hooks) => lockerExtension(models, hooks),
  },
  {
    name: "vending",
    busProtocols: VENDING_BUS_PROTOCOLS,
    factory: (models, hooks) => vendingExtension(models, hooks),
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
  ).map((v) => v.factory(models, hooks));
}
