/**
 * The `vending:` section's cross-key checks and each machine's effective settings (defaults from
 * the section, a machine's own keys over them). Schema and defaults: schema.ts; docs:
 * docs/configuration.md "vending".
 */
import type { PathSegment } from "./issues.js";
import type { Config, VendingReaderSettings } from "./schema.js";

/** Room left inside the reader's maximum response time for the approve line to reach the machine (ms). */
export const RESPONSE_MARGIN_MS = 500;

/** The devices on mdb-bridge-text buses, in config order. */
export function vendingDevices(config: Config): string[] {
  return config.buses
    .filter((b) => b.protocol === "mdb-bridge-text")
    .flatMap((b) => b.devices.map((d) => d.id));
}

/** A machine's settings: its `vending.machines[]` entry over the section's defaults. */
export function machineSettings(config: Config, device: string): VendingReaderSettings {
  const v = config.vending;
  const m = v.machines.find((x) => x.device === device);
  return {
    countryCode: m?.countryCode ?? v.countryCode,
    scaleFactor: m?.scaleFactor ?? v.scaleFactor,
    decimalPlaces: m?.decimalPlaces ?? v.decimalPlaces,
    maxResponseSeconds: m?.maxResponseSeconds ?? v.maxResponseSeconds,
    authorizeWindowMs: m?.authorizeWindowMs ?? v.authorizeWindowMs,
    sessionTimeoutSeconds: m?.sessionTimeoutSeconds ?? v.sessionTimeoutSeconds,
    offlineLimit: { ...v.offlineLimit, ...m?.offlineLimit },
  };
}

/**
 * Problems with key paths: a machine that is not a device on an mdb-bridge-text bus, a machine
 * listed twice, an mdb-bridge-text bus with more than one device, an authorisation window that
 * does not fit inside the reader's maximum response time (less RESPONSE_MARGIN_MS).
 */
export function vendingProblems(config: Config): { segments: PathSegment[]; message: string }[] {
  const out: { segments: PathSegment[]; message: string }[] = [];
  const devices = vendingDevices(config);
  config.buses.forEach((b, i) => {
    if (b.protocol === "mdb-bridge-text" && b.devices.length > 1)
      out.push({
        segments: ["buses", i, "devices"],
        message: `an mdb-bridge-text bus reaches one vending machine (its bridge); this one lists ${b.devices.length}: give each machine its own bus`,
      });
  });
  const seen = new Map<string, number>();
  const checkFits = (at: PathSegment[], s: VendingReaderSettings, own: boolean) => {
    const max = s.maxResponseSeconds * 1000 - RESPONSE_MARGIN_MS;
    if (s.authorizeWindowMs > max)
      out.push({
        segments: own ? [...at, "authorizeWindowMs"] : ["vending", "authorizeWindowMs"],
        message: `${s.authorizeWindowMs} ms does not fit inside the reader's maximum response time (${s.maxResponseSeconds} s, less ${RESPONSE_MARGIN_MS} ms for the answer to reach the machine): at most ${max}, or raise maxResponseSeconds`,
      });
  };
  config.vending.machines.forEach((m, i) => {
    const at: PathSegment[] = ["vending", "machines", i];
    if (!devices.includes(m.device))
      out.push({
        segments: [...at, "device"],
        message: `"${m.device}" is not a device on an mdb-bridge-text bus (${devices.join(", ") || "none configured"})`,
      });
    const prev = seen.get(m.device);
    if (prev !== undefined)
      out.push({
        segments: [...at, "device"],
        message: `"${m.device}" is already vending.machines[${prev}]`,
      });
    else seen.set(m.device, i);
    checkFits(
      at,
      machineSettings(config, m.device),
      m.authorizeWindowMs !== undefined || m.maxResponseSeconds !== undefined,
    );
  });
  for (const d of devices) if (!seen.has(d)) checkFits(["vending"], machineSettings(config, d), false);
  return out;
}
