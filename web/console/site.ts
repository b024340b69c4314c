/**
 * The shapes the console reads from the provisioning and ops API (PAGES.md's contract). Fields
 * the contract does not fix are optional, and the screens show what is there.
 */

export interface SiteDevice {
  id: string;
  /** serial | mqtt */
  kind?: string;
  model?: string;
  bus?: string;
  address?: number;
  /** null: not known yet (a serial device not polled yet) */
  online?: boolean | null;
  lastSeen?: string | null;
}
export interface SiteBus {
  id: string;
  path?: string;
  protocol?: string;
  baudRate?: number;
  devices?: string[];
  /** ok | problem */
  state?: string;
  problems?: string[];
}
export interface Site {
  gateway?: { id?: string; site?: string; version?: string; bootId?: string; startedAt?: string };
  mode?: string;
  status?: "ok" | "degraded";
  problems?: string[];
  warnings?: string[];
  configFile?: string | null;
  /** the site's service mode (issue 11): normal or emergency supply */
  siteMode?: {
    mode: "normal" | "emergency";
    since: string;
    until: string | null;
    reason: string | null;
  } | null;
  devices?: SiteDevice[];
  buses?: SiteBus[];
  uplink?: { connected?: boolean; lastDrop?: string | null; [k: string]: unknown };
  outbox?: { pending?: number; [k: string]: unknown };
  /** level: ok | low | full */
  disk?: { level?: string; usedBytes?: number; [k: string]: unknown };
  clock?: { synced?: boolean; [k: string]: unknown };
  terminals?: { id: string; paired?: boolean; banks?: string[] }[];
  pendingRestart?: { required: boolean; why: string[] };
}

/** The protocols whose devices are locker banks (a door test and a layout apply to them). */
export const LOCK_PROTOCOLS = ["lockboard-xor", "kerong-cu16"];

/** The locker banks of a site: its terminals' banks, else the devices on lock-board buses. */
export function lockerBanks(site: Site | undefined): string[] {
  if (!site) return [];
  const fromTerminals = (site.terminals ?? []).flatMap((t) => t.banks ?? []);
  if (fromTerminals.length) return [...new Set(fromTerminals)];
  const lockBuses = new Set(
    (site.buses ?? []).filter((b) => LOCK_PROTOCOLS.includes(b.protocol ?? "")).map((b) => b.id),
  );
  return (site.devices ?? [])
    .filter((d) => d.kind === "locker-bank" || (d.bus !== undefined && lockBuses.has(d.bus)))
    .map((d) => d.id);
}

/** The saved changes that wait for a restart (their reasons), or undefined when none. */
export function pendingRestart(site: Site | undefined): string[] | undefined {
  const p = site?.pendingRestart;
  return p?.required ? p.why : undefined;
}

/** Formats bytes as KiB/MiB/GiB. */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
