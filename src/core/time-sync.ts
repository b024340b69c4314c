/**
 * Is the system's wall clock synchronised? Asked of the OS, cheaply, in this order:
 *
 * 1. `/run/systemd/timesync/synchronized` exists: systemd-timesyncd (Raspberry Pi OS and Debian's
 *    default NTP client) creates it on the first successful sync after boot; /run is a tmpfs, so it
 *    is gone after every reboot (man systemd-timesyncd.service, since systemd 239). One stat call.
 * 2. `timedatectl show -p NTPSynchronized --value` prints "yes"/"no": timedated reads the kernel's
 *    STA_UNSYNC flag (adjtimex(2)), which every NTP client (timesyncd, chrony, ntpd) clears once in
 *    sync and every clock set (`date -s`, a step) sets again. One short child process.
 * 3. Neither answers (no systemd, a container, CI): `undefined`, "the OS cannot tell".
 *
 * The child process has a price the gateway pays on its event loop: spawning one forks the
 * gateway's process, and the fork holds the calling thread while the kernel copies its page tables
 * (measured on the bench machine: 6–20 ms for a 95 MB process; the gateway runs at 150–250 MB).
 * Asked every 30 s, that was a stall every 30 s, seen as the tail of door-open and `/health`
 * latencies (docs/performance.md, issue 13). `osTimeSyncProbe` therefore asks timedatectl again only
 * once its last answer is old (TIMEDATECTL_REFRESH); the marker file is looked at every time.
 */
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";

export interface SyncReading {
  /** true: synchronised; false: the OS says not; undefined: the OS cannot tell. */
  synced: boolean | undefined;
  /** where the answer came from: "timesyncd", "timedatectl" or "none" */
  via: "timesyncd" | "timedatectl" | "none";
}

export const TIMESYNCD_MARKER = "/run/systemd/timesync/synchronized";

/** Ask the OS whether its wall clock is synchronised (never throws; at most ~2 s). */
export async function probeOsTimeSync(marker: string = TIMESYNCD_MARKER): Promise<SyncReading> {
  try {
    await access(marker);
    return { synced: true, via: "timesyncd" };
  } catch {
    // not timesyncd, or not synchronised yet: ask timedated
  }
  return new Promise((resolve) => {
    execFile(
      "timedatectl",
      ["show", "-p", "NTPSynchronized", "--value"],
      { timeout: 2000, encoding: "utf8" },
      (err, stdout) => {
        const v = String(stdout ?? "").trim();
        if (err || (v !== "yes" && v !== "no")) resolve({ synced: undefined, via: "none" });
        else resolve({ synced: v === "yes", via: "timedatectl" });
      },
    );
  });
}

/**
 * How long a timedatectl answer stands before the periodic check asks again (ms). "yes" rarely
 * changes, and a step of the clock (the usual way to lose sync) asks at once; "no" and "cannot
 * tell" back off from their first interval, doubling after each same answer, to their maximum. A
 * "no" is asked again at least every 2 min, so a clock that an NTP client brings into sync without
 * a step (chrony, ntpd: no timesyncd marker) is trusted at most about 2 min late.
 */
export const TIMEDATECTL_REFRESH = {
  yes: 600_000,
  no: { first: 30_000, max: 120_000 },
  none: { first: 60_000, max: 1_800_000 },
} as const;

export interface OsTimeSyncProbeOptions {
  /** the timesyncd marker (default TIMESYNCD_MARKER) */
  marker?: string;
  /** monotonic milliseconds (default performance.now) */
  mono?: () => number;
  /** asks timedatectl (default: the child process of probeOsTimeSync, without the marker) */
  ask?: () => Promise<SyncReading>;
}

/**
 * A stateful probe for the gateway's clock (TimeKeeper): the marker file on every call (one stat,
 * no child process); timedatectl only when `fresh` (after a step of the clock) or when its last
 * answer is older than TIMEDATECTL_REFRESH allows. Never throws.
 */
export function osTimeSyncProbe(o: OsTimeSyncProbeOptions = {}): (fresh?: boolean) => Promise<SyncReading> {
  const marker = o.marker ?? TIMESYNCD_MARKER;
  const mono = o.mono ?? (() => performance.now());
  const ask = o.ask ?? (() => probeOsTimeSync("/nonexistent/quarterhour/no-marker"));
  let last: { reading: SyncReading; at: number; standMs: number } | undefined;
  let streak = 0;
  return async (fresh = false) => {
    try {
      await access(marker);
      return { synced: true, via: "timesyncd" };
    } catch {
      // not timesyncd, or not synchronised yet
    }
    if (!fresh && last && mono() - last.at < last.standMs) return last.reading;
    const reading = await ask();
    const key = reading.synced === true ? "yes" : reading.synced === false ? "no" : "none";
    const prev = last?.reading.synced;
    streak = last && prev === reading.synced ? streak + 1 : 0;
    const standMs =
      key === "yes"
        ? TIMEDATECTL_REFRESH.yes
        : Math.min(TIMEDATECTL_REFRESH[key].max, TIMEDATECTL_REFRESH[key].first * 2 ** streak);
    last = { reading, at: mono(), standMs };
    return reading;
  };
}
