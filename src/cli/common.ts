/**
 * How every `quarterhour` command finds its gateway: the same options, read the same way, so a
 * demo moved to other ports (or another config) is found by `start`, `sim`, `device`, `outbox`,
 * `config` and `locker` alike.
 *
 * | option                       | environment              | sets                     |
 * | ---------------------------- | ------------------------ | ------------------------ |
 * | `-c, --config FILE`          | `QH_CONFIG`              | the config file          |
 * | `--data-dir DIR`             | `QH_DATA_DIR`            | `dataDir`                |
 * | `--api-port N`               | `QH_API_PORT`            | `api.port`               |
 * | `--device-broker-port N`     | `QH_DEVICE_BROKER_PORT`  | `deviceBroker.port`      |
 * | `--uplink-port N`            | `QH_UPLINK_PORT`         | `uplink.embeddedPort`    |
 *
 * A flag beats its environment variable, which beats the config file.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { loadConfig, validateConfig } from "../config/load.js";
import { loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";
import { dbFile } from "../store/db.js";
import { setStoreFile } from "./report.js";

export const DEFAULT_CONFIG = "config/default.yaml";

/** The options of {@link gatewayOptions}, as commander hands them to an action. */
export interface GatewayOpts {
  config: string;
  dataDir?: string;
  apiPort?: number;
  deviceBrokerPort?: number;
  uplinkPort?: number;
}

/** A listening port from a flag or variable: an integer 0-65535 (0 = any free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || n > 65535) {
    throw new InvalidArgumentError("must be a port number from 0 to 65535.");
  }
  return n;
}

/** The port options: attribute name, flag, environment variable, config key. */
export const PORT_OPTIONS = [
  { name: "apiPort", flag: "--api-port", env: "QH_API_PORT", key: "api.port" },
  {
    name: "deviceBrokerPort",
    flag: "--device-broker-port",
    env: "QH_DEVICE_BROKER_PORT",
    key: "deviceBroker.port",
  },
  { name: "uplinkPort", flag: "--uplink-port", env: "QH_UPLINK_PORT", key: "uplink.embeddedPort" },
] as const;

/** How to move the listener at a config key: `--api-port N (or QH_API_PORT=N)`. */
export function moveHint(key: string): string {
  const o = PORT_OPTIONS.find((p) => p.key === key);
  return o ? `set ${key} in the config, or pass ${o.flag} N (or ${o.env}=N)` : `set ${key} in the config`;
}

/** Where the console saves the packaged demo config once changed: `<dataDir>/site.yaml`. */
export const DEMO_SITE_FILE = "site.yaml";

function demoSiteFile(opts: GatewayOpts, config: Config): string | undefined {
  return opts.config === DEFAULT_CONFIG ? join(config.dataDir, DEMO_SITE_FILE) : undefined;
}

/**
 * The file config changes from the console are saved to: the --config file, or for the packaged
 * demo config (never written: it belongs to the installation) `<dataDir>/site.yaml`, which every
 * later command on the default config reads instead (see readConfig).
 */
export function configWriteTarget(opts: GatewayOpts, config: Config): { path: string; base?: string } {
  const saved = demoSiteFile(opts, config);
  return saved ? { path: saved, base: DEFAULT_CONFIG } : { path: opts.config };
}

/** Adds the options every command uses to find its gateway (see the table above). */
export function gatewayOptions(cmd: Command): Command {
  cmd.addOption(new Option("-c, --config <file>", "config file").env("QH_CONFIG").default(DEFAULT_CONFIG));
  cmd.addOption(
    new Option("--data-dir <dir>", "data directory (overrides dataDir in the config)").env("QH_DATA_DIR"),
  );
  for (const p of PORT_OPTIONS) {
    cmd.addOption(
      new Option(`${p.flag} <port>`, `listening port (overrides ${p.key})`).env(p.env).argParser(parsePort),
    );
  }
  return cmd;
}

/**
 * The effective config: the file (QH_CONFIG_UNREADABLE / QH_CONFIG_INVALID, exit 2), the device
 * models, then the data dir and port overrides, checked again (two listeners on one port is
 * QH_CONFIG_INVALID naming the key).
 */
export function readConfig(opts: GatewayOpts): Config {
  const models = loadModels();
  let config = loadConfig(opts.config, { dataDir: opts.dataDir, models });
  // the demo changed from the console: its saved copy in the data dir (src/config/writer.ts)
  const saved = demoSiteFile(opts, config);
  if (saved && existsSync(saved)) config = loadConfig(saved, { dataDir: config.dataDir, models });
  setStoreFile(dbFile(config.dataDir)); // so that an SQLite error at the top names the file
  const ports = {
    api: opts.apiPort,
    deviceBroker: opts.deviceBrokerPort,
    uplink: opts.uplinkPort,
  };
  if (ports.api === undefined && ports.deviceBroker === undefined && ports.uplink === undefined) {
    return config;
  }
  if (ports.api !== undefined) config.api.port = ports.api;
  if (ports.deviceBroker !== undefined) config.deviceBroker.port = ports.deviceBroker;
  if (ports.uplink !== undefined) config.uplink.embeddedPort = ports.uplink;
  return validateConfig(config, { models });
}

/**
 * The flags a follow-up command needs to reach the same gateway as `cmd` did: every gateway
 * option given on the command line or through the environment, e.g.
 * `["-c", "site.yaml", "--api-port", "18080"]`. Printed hints carry them.
 */
export function gatewayFlags(cmd: Command): string[] {
  const opts = cmd.opts<GatewayOpts>();
  const out: string[] = [];
  const given = (name: string) => {
    const src = cmd.getOptionValueSource(name);
    return src === "cli" || src === "env";
  };
  if (given("config")) out.push("-c", opts.config);
  if (given("dataDir") && opts.dataDir) out.push("--data-dir", opts.dataDir);
  for (const p of PORT_OPTIONS) {
    const v = opts[p.name];
    if (given(p.name) && v !== undefined) out.push(p.flag, String(v));
  }
  return out.map(shellQuote);
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
