/**
 * `quarterhour config check` and `quarterhour config show`: validate a config without starting
 * anything, and print the effective config (file + defaults + --data-dir / port overrides) with
 * secrets masked.
 */
import { stringify } from "yaml";
import type { Config } from "../config/schema.js";
import { isSecretKey, MASK, redactUrl } from "../core/redact.js";
import { effectiveColdZones } from "../extensions/cold.js";
import { checkVerticals } from "../extensions/index.js";
import { readTlsFiles } from "../uplink/connection.js";
import { type GatewayOpts, readConfig } from "./common.js";

/**
 * A deep copy of `value` with every secret-named key's value replaced by {@link MASK}, and the
 * credentials in any URL (userinfo password, query values: redactUrl) too.
 */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (typeof value === "string") return redactUrl(value);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? MASK : maskSecrets(v);
  }
  return out;
}

function summary(c: Config): string {
  const up =
    c.uplink.url === "embedded" ? `embedded on 127.0.0.1:${c.uplink.embeddedPort}` : redactUrl(c.uplink.url);
  return [
    `gateway ${c.gateway.id} (site ${c.gateway.site})`,
    `data dir ${c.dataDir}`,
    `device broker ${c.deviceBroker.host}:${c.deviceBroker.port}`,
    `API ${c.api.host}:${c.api.port}`,
    `uplink ${up}`,
    `${c.buses.length} serial bus(es), ${c.devices.length} MQTT device(s)${c.simulate ? ", simulated" : ""}`,
  ].join("\n  ");
}

/**
 * `config check`: exit 0 and a summary when the config is valid; otherwise QH_CONFIG_INVALID (or
 * QH_CONFIG_UNREADABLE) with every problem and its key path, exit 2. Starts nothing, opens no port.
 */
export function configCheck(opts: GatewayOpts): void {
  const config = readConfig(opts);
  readTlsFiles(config.uplink.tls); // the files the start will read: QH_UPLINK_CONFIG (exit 2) now, not at start
  const warnings = checkVerticals(config); // bus protocols and each vertical's cross-checks, as the start runs them
  process.stdout.write(`config OK: ${opts.config}\n  ${summary(config)}\n`);
  for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
}

/** `config show`: the effective config as YAML (or `--json`), secrets masked. */
export function configShow(opts: GatewayOpts & { json?: boolean }): void {
  const config = readConfig(opts);
  // the cold zones as they apply: each zone's defaults (range, delays, hysteresis, poll) filled in
  const shown = maskSecrets({ ...config, cold: { ...config.cold, zones: effectiveColdZones(config) } });
  process.stdout.write(opts.json ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown));
}
