import { lockerExtension } from "../compose-locker.js";
import { loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";
import type { ExtensionFactory } from "../gateway.js";

/** The domain packages this config needs (the locker comes with the serial buses). */
export function extensionsFor(config: Config): ExtensionFactory[] {
  return config.buses.length > 0 ? [lockerExtension(loadModels())] : [];
}
