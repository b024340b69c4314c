import { loadConfig } from "../config/load.js";
import { loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";
import { dbFile } from "../store/db.js";
import { setStoreFile } from "./report.js";

export function readConfig(opts: { config: string; dataDir?: string }): Config {
  const models = loadModels();
  const config = loadConfig(opts.config, { dataDir: opts.dataDir, models });
  setStoreFile(dbFile(config.dataDir)); // so that an SQLite error at the top names the file
  return config;
}
