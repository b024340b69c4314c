import { loadConfig } from "../config/load.js";
import { loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";

export function readConfig(opts: { config: string; dataDir?: string }): Config {
  const models = loadModels();
  return loadConfig(opts.config, { dataDir: opts.dataDir, models });
}
