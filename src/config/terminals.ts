import { formatPath, type PathSegment } from "./issues.js";
import type { BusProtocol, Config, TerminalConfig } from "./schema.js";

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

/**
 * `locker.terminals`: unique ids, not another device's id (a terminal may share its own scanner's
 * id), banks that are locker banks on a lock-board bus, a scanner that is a scanner-line device
 * bound to one terminal at most.
 */
export function terminalProblems(
  config: Config,
  deviceIds: ReadonlyMap<string, PathSegment[]>,
): { segments: PathSegment[]; message: string }[] {
  const out: { segments: PathSegment[]; message: string }[] = [];
  const terminals = config.locker.terminals;
  if (!terminals) return out;
  const protocolOf = new Map<string, BusProtocol>();
  for (const bus of config.buses) for (const d of bus.devices) protocolOf.set(d.id, bus.protocol);
  const banks = [...protocolOf].filter(([, p]) => LOCK_BOARD_PROTOCOLS.has(p)).map(([d]) => d);
  const seen = new Map<string, number>();
  const scanners = new Map<string, number>();
  terminals.forEach((t, i) => {
    const at: PathSegment[] = ["locker", "terminals", i];
    const prev = seen.get(t.id);
    if (prev !== undefined)
      out.push({
        segments: [...at, "id"],
        message: `duplicate terminal id "${t.id}" (also at locker.terminals[${prev}])`,
      });
    else seen.set(t.id, i);
    if (deviceIds.has(t.id) && t.id !== t.scanner) {
      out.push({
        segments: [...at, "id"],
        message: `"${t.id}" is already a device id (${formatPath(deviceIds.get(t.id)!)}); a terminal may share only its own scanner's id`,
      });
    }
    t.banks.forEach((b, j) => {
      if (!banks.includes(b)) {
        out.push({
          segments: [...at, "banks", j],
          message: `"${b}" is not a locker bank of this config (locker banks: ${banks.join(", ") || "none"})`,
        });
      }
    });
    if (t.scanner !== undefined) {
      if (protocolOf.get(t.scanner) !== "scanner-line") {
        out.push({
          segments: [...at, "scanner"],
          message: `"${t.scanner}" is not a device on a scanner-line bus`,
        });
      }
      const other = scanners.get(t.scanner);
      if (other !== undefined) {
        out.push({
          segments: [...at, "scanner"],
          message: `scanner "${t.scanner}" is already terminal "${terminals[other]?.id}"'s; one terminal per scanner`,
        });
      } else scanners.set(t.scanner, i);
    }
  });
  return out;
}

/**
 * `config check`'s warning for a site with locker banks but no kiosk terminal (no
 * `locker.terminals`, no scanner-line device): every kiosk route would answer 404.
 * @returns one line, with the key path, or none
 */
export function terminalWarnings(config: Config): string[] {
  const banks = config.buses.filter((b) => LOCK_BOARD_PROTOCOLS.has(b.protocol)).flatMap((b) => b.devices);
  if (banks.length === 0 || siteTerminals(config).length > 0) return [];
  return [
    `locker.terminals: no kiosk terminal (none declared and no scanner-line device), so every /api/v1/kiosk/… route answers 404 QH_LOCKER_TERMINAL_UNKNOWN; declare the kiosk, e.g. locker.terminals: [{ id: kiosk-1, banks: [${banks.map((d) => d.id).join(", ")}] }]`,
  ];
}
