/**
 * `quarterhour config check` and `quarterhour config show`: validate a config without starting
 * anything, and print the effective config (file + defaults + --data-dir / port overrides) with
 * secrets masked.
 */
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { stringify } from "yaml";
import { type ConfigIssue, invalidConfig } from "../config/issues.js";
import type { Config } from "../config/schema.js";
import { plannedListeners, probeListeners } from "../core/ports.js";
import { isSecretKey, MASK, redactUrl } from "../core/redact.js";
import { effectiveColdZones } from "../extensions/cold.js";
import { checkVerticals } from "../extensions/index.js";
import { readTlsFiles } from "../uplink/connection.js";
import { type GatewayOpts, moveHint, readConfig } from "./common.js";

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
 * Why `dataDir` cannot be made: the nearest existing path on the way to it is not a directory (a
 * file where a directory must be). Undefined when it exists as a directory or can be created.
 */
function dataDirProblem(dataDir: string): string | undefined {
  let p = resolve(dataDir);
  for (;;) {
    try {
      const st = statSync(p);
      return st.isDirectory() ? undefined : `${p} is not a directory: the data dir cannot be made there`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return `${p} cannot be read (${code})`;
      const up = dirname(p);
      if (up === p) return undefined;
      p = up;
    }
  }
}

/**
 * What start would refuse that a check can see without starting anything: the data dir's place
 * (a problem), each listener (bound and closed at once): an address not on this host or a port
 * this user may not open is a problem; a port taken right now (by another program, or by this
 * site's running gateway) a warning.
 */
async function startProblems(config: Config): Promise<{ problems: ConfigIssue[]; warnings: string[] }> {
  const problems: ConfigIssue[] = [];
  const warnings: string[] = [];
  const dd = dataDirProblem(config.dataDir);
  if (dd) problems.push({ path: "dataDir", message: dd });
  for (const { listener: l, code } of await probeListeners(plannedListeners(config))) {
    if (code === "EADDRINUSE") {
      warnings.push(
        `${l.key}: ${l.host}:${l.port} is in use now (another program, or this site's gateway running): start refuses it while it is; ${moveHint(l.key)}`,
      );
    } else {
      problems.push({
        path: l.key,
        message: `cannot listen on ${l.host}:${l.port} (${code}); ${moveHint(l.key)}`,
      });
    }
  }
  return { problems, warnings };
}

/**
 * `config check`: exit 0 and a summary when the config is valid; otherwise QH_CONFIG_INVALID (or
 * QH_CONFIG_UNREADABLE) with every problem and its key path, exit 2. Starts nothing; each listening
 * port is bound and closed at once (a data dir start cannot make, an address not on this host:
 * exit 2; a port in use now: a warning).
 */
export async function configCheck(opts: GatewayOpts): Promise<void> {
  const config = readConfig(opts);
  readTlsFiles(config.uplink.tls); // the files the start will read: QH_UPLINK_CONFIG (exit 2) now, not at start
  const warnings = checkVerticals(config); // bus protocols and each vertical's cross-checks, as the start runs them
  const start = await startProblems(config);
  if (start.problems.length > 0) throw invalidConfig(`config file ${opts.config}`, start.problems);
  warnings.push(...start.warnings);
  // the default is background: inline here was written on purpose, and does nothing
  if (config.store.synchronous === "NORMAL" && config.store.fsync === "inline")
    warnings.push(
      "store.fsync: inline has no effect with store.synchronous: NORMAL (nothing is synced before an acknowledgement); remove it, or set synchronous: FULL",
    );
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
