/**
 * The shapes the console reads from the provisioning and ops API (PAGES.md's contract). Fields
 * the contract does not fix are optional, and the screens show what is there.
 */

export interface SiteDevice {
  id: string;
  kind?: string;
  model?: string;
  bus?: string;
  address?: number;
  online?: boolean;
  lastSeen?: string | null;
}
export interface SiteBus {
  id: string;
  path?: string;
  protocol?: string;
  state?: string;
}
export interface Site {
  gateway?: string;
  gatewayId?: string;
  site?: string;
  version?: string;
  mode?: string;
  devices?: SiteDevice[];
  buses?: SiteBus[];
  uplink?: { connected?: boolean; lastDrop?: string | null; [k: string]: unknown };
  outbox?: { pending?: number; [k: string]: unknown };
  disk?: { level?: string; freeBytes?: number; [k: string]: unknown };
  clock?: { synced?: boolean; now?: string; [k: string]: unknown };
  terminals?: { id: string; paired?: boolean; banks?: string[] }[];
  pendingRestart?: boolean | { why?: string } | null;
  restartRequired?: boolean | { why?: string } | null;
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

/** Whether the site says a saved change waits for a restart, and why. */
export function pendingRestart(site: Site | undefined): { why?: string } | undefined {
  const p = site?.pendingRestart ?? site?.restartRequired;
  if (!p) return undefined;
  return typeof p === "object" ? p : {};
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
