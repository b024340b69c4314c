import type { Config } from "../config/schema.js";
import type { ExtensionFactory } from "../gateway.js";

/** The domain packages this config needs (the locker comes with the locker buses). */
export function extensionsFor(_config: Config): ExtensionFactory[] {
  return [];
}
