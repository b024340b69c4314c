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
