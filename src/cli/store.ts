/**
 * `quarterhour store check | recover | backup | new | clock-reset`: what an operator runs when the store needs a
 * person (exit code 3 from `start`). See docs/operations.md.
 */

import { existsSync } from "node:fs";
import type { Command } from "commander";
import { QhError } from "../core/errors.js";
import { backupStore, checkStore, newStore } from "../store/backup.js";
import { resetClockState } from "../store/clock-state.js";
import { acquireDataDirLock } from "../store/lock.js";
import { recoverStore } from "../store/recover.js";
import { readConfig } from "./common.js";

interface Opts {
  config: string;
  dataDir?: string;
  json?: boolean;
}

const out = (s: string) => process.stdout.write(`${s}\n`);

/**
 * Run `fn` holding the data dir's lock, so that no gateway starts on the store while it is being
 * replaced (a running gateway: QH_STORE_LOCKED naming its pid, exit 1).
 */
function whileLocked<T>(dataDir: string, fn: () => T): T {
  const lock = existsSync(dataDir) ? acquireDataDirLock(dataDir) : undefined;
  try {
    return fn();
  } finally {
    lock?.release();
  }
}

/** Register the `store` command group on the program. */
export function registerStore(program: Command, withGatewayOptions: (cmd: Command) => Command): void {
  const store = program.command("store").description("check, back up, recover or replace the database");
  withGatewayOptions(store.command("check"))
    .description("integrity check (read-only, safe while the gateway runs); exit 0 ok, 3 damaged")
    .option("--full", "PRAGMA integrity_check (also cross-checks indexes; slower) instead of quick_check")
    .option("--json", "print JSON")
    .action((opts: Opts & { full?: boolean }) => {
      const config = readConfig(opts);
      const r = checkStore(config.dataDir, opts.full ?? false);
      if (opts.json) out(JSON.stringify(r));
      else {
        out(
          `${r.file}: ${r.ok ? "ok" : "DAMAGED"} (${r.bytes} bytes, WAL ${r.walBytes} bytes, checked in ${Math.round(r.ms)} ms)`,
        );
        if (r.walUnread)
          out(
            `  note: the WAL (${r.walBytes} bytes) could not be read (read-only mount or no permission): its last commits were not checked`,
          );
        for (const p of r.problems) out(`  ${p}`);
        if (r.ok) out(`events: ${r.events ?? "-"}, last seq: ${r.lastSeq ?? "-"}`);
        else
          out(
            "→ stop the gateway, then `quarterhour store recover` or restore a backup (docs/operations.md)",
          );
      }
      if (!r.ok) process.exitCode = 3;
    });
  withGatewayOptions(store.command("recover"))
    .description(
      "salvage what SQLite can read into a new database, keep the old files renamed; the gateway must be stopped",
    )
    .option("--min-seq <n>", "the next event's seq is at least n (e.g. the platform's last seq + 1)")
    .option("--json", "print JSON")
    .action((opts: Opts & { minSeq?: string }) => {
      const config = readConfig(opts);
      let minSeq: number | undefined;
      if (opts.minSeq !== undefined) {
        minSeq = Number(opts.minSeq);
        if (!Number.isSafeInteger(minSeq) || minSeq < 1)
          throw new QhError("QH_USAGE", `--min-seq must be a positive integer, got "${opts.minSeq}"`);
      }
      const r = whileLocked(config.dataDir, () => recoverStore(config.dataDir, { minSeq }));
      if (opts.json) {
        out(JSON.stringify(r));
        return;
      }
      out(
        `recovered by ${r.method === "vacuum" ? "VACUUM INTO (the file read cleanly)" : "row salvage"}${r.headerRepaired ? " after rewriting the damaged header" : ""} in ${Math.round(r.ms)} ms`,
      );
      for (const t of r.tables)
        out(
          `  ${t.name}: ${t.rows} rows${t.failedReads ? `, ${t.failedReads} unreadable place(s)` : ""}${t.skipped.length ? `, skipped rowids ${t.skipped.map(([a, b]) => `${a}-${b >= Number.MAX_SAFE_INTEGER ? "end" : b}`).join(", ")}` : ""}`,
        );
      if (r.kinds.restored > 0)
        out(`event kinds: ${r.kinds.restored} restored from their second copy (meta event_kind.*)`);
      if (r.kinds.stranded > 0)
        out(
          `WARNING: event kind(s) ${r.kinds.lostKinds.join(", ")} are lost (their gateway, device and type are unreadable in both copies): ${r.kinds.stranded} event(s), seq ${r.kinds.strandedSeqs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(", ")}, were moved unchanged to the table events_stranded and will not be sent (docs/operations.md "Events whose kind is lost")`,
        );
      out(`highest recovered seq: ${r.maxRecoveredSeq}; the next event gets seq ${r.lastSeq + 1}`);
      out(`old files kept as: ${r.kept.join(", ")}`);
    });
  withGatewayOptions(store.command("backup <file>"))
    .description("copy the database with SQLite's online backup (safe while the gateway runs)")
    .action(async (file: string, opts: Opts) => {
      const config = readConfig(opts);
      const r = await backupStore(config.dataDir, file);
      out(`backup ${r.file}: ${r.bytes} bytes, last seq ${r.lastSeq}, checked ok (${Math.round(r.ms)} ms)`);
      if (r.walUnread)
        out(
          `warning: the WAL (${r.walUnread} bytes) could not be read (read-only mount without its index): the backup holds the database file without the WAL's last commits; copy quarterhour.db-wal and -shm next to it too (docs/operations.md)`,
        );
    });
  withGatewayOptions(store.command("clock-reset"))
    .description(
      "forget the last recorded time (the clock's high-water mark), e.g. one recorded on a clock set wrong; the gateway must be stopped",
    )
    .action((opts: Opts) => {
      const config = readConfig(opts);
      const r = whileLocked(config.dataDir, () => resetClockState(config.dataDir));
      out(
        r.recorded
          ? `recorded time ${r.recorded} (${r.synced ? "synchronised" : "unsynchronised"} clock) forgotten: the next start runs on the system clock`
          : "no recorded time: nothing to reset",
      );
    });
  withGatewayOptions(store.command("new"))
    .description(
      "start a new, empty store (old files renamed aside): seq restarts, parcels and device credentials are forgotten",
    )
    .action((opts: Opts) => {
      const config = readConfig(opts);
      const moved = whileLocked(config.dataDir, () => newStore(config.dataDir));
      out(`new empty store in ${config.dataDir}${moved.length ? `; moved aside: ${moved.join(", ")}` : ""}`);
    });
}
