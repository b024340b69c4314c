import type { Config, TerminalConfig } from "./schema.js";

const LOCK_BOARD_PROTOCOLS = new Set(["lockboard-xor", "kerong-cu16"]);

/**
 * The site's kiosk terminals: `locker.terminals` as declared, or, when the config declares none,
 * one terminal per scanner-line device (its id is the scanner's, it serves every locker bank).
 * No other terminal id exists: the kiosk API answers any other with 404 QH_LOCKER_TERMINAL_UNKNOWN.
 */
export function siteTerminals(config: Config): TerminalConfig[] {
  if (config.locker.terminals) return config.locker.terminals.map((t) => ({ ...t, banks: [...t.banks] }));
  const banks = config.buses
    .filter((b) => LOCK_BOARD_PROTOCOLS.has(b.protocol))
    .flatMap((b) => b.devices.map((d) => d.id));
  return config.buses
    .filter((b) => b.protocol === "scanner-line")
    .flatMap((b) => b.devices.map((d) => ({ id: d.id, banks: [...banks], scanner: d.id })));
}
