/**
 * The locker vertical's support pieces (src/extensions/locker.ts builds the vertical): the site
 * key of the keyed code hashes, whether couriers were synced, and the metrics read at scrape time.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Counter, Gauge } from "prom-client";
import { QhError } from "../core/errors.js";
import type { LockerService } from "../domain/locker/index.js";
import type { ExtensionContext } from "../gateway.js";
import type { Db } from "../store/db.js";

/** Site secret for the keyed hashes of pickup and courier codes: created once, kept in dataDir. */
export function siteKey(dataDir: string, db: Db): Buffer {
  const f = join(dataDir, "locker.key");
  if (existsSync(f)) {
    let key: Buffer;
    try {
      key = Buffer.from(readFileSync(f, "utf8").trim(), "hex");
    } catch (err) {
      throw new QhError(
        "QH_LOCKER_KEY_MISSING",
        `${f} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): the pickup and courier codes stored are hashed with it`,
        { file: f },
      );
    }
    if (key.length !== 32)
      throw new QhError(
        "QH_LOCKER_KEY_MISSING",
        `${f} is damaged (${key.length} bytes of key instead of 32): the pickup and courier codes stored are hashed with it`,
        { file: f },
      );
    return key;
  }
  // Stored codes are keyed hashes: a new key would silently turn every resident's code "wrong".
  const codes = storedCodes(db);
  if (codes > 0) {
    throw new QhError(
      "QH_LOCKER_KEY_MISSING",
      `${f} is missing while the store holds ${codes} pickup or courier code(s) hashed with it: no stored code would match`,
      { file: f, codes },
    );
  }
  const k = randomBytes(32);
  writeFileSync(f, k.toString("hex"), { mode: 0o600 });
  return k;
}

/** How many pickup and courier code hashes the store holds (0 before the locker's tables exist). */
function storedCodes(db: Db): number {
  let n = 0;
  for (const t of ["locker_pickup_codes", "locker_courier_codes"]) {
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) === undefined)
      continue;
    n += db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  }
  return n;
}

/**
 * How many distribution bundles hold a live pickup code (every state but collected and unclaimed:
 * src/domain/distribution/store.ts `liveCodes`); 0 before the distribution tables exist.
 */
export function liveBundleCodes(db: Db): number {
  const t = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'distribution_bundles'";
  if (db.prepare(t).get() === undefined) return 0;
  return db
    .prepare("SELECT count(*) FROM distribution_bundles WHERE state NOT IN ('collected','unclaimed')")
    .pluck()
    .get() as number;
}

/** Whether the platform synced courier codes (else a simulated site keeps its demo courier). */
export function hasCouriers(ctx: ExtensionContext): boolean {
  try {
    return (ctx.db.prepare("SELECT count(*) FROM locker_courier_codes").pluck().get() as number) > 0;
  } catch {
    return false;
  }
}

/**
 * Metrics read at scrape time: the locker's waiting events, its unwritten door reports, and the
 * guessing guard's counts (wrong codes per declared terminal and kind; codes refused unread).
 */
export function lockerGauges(registry: ExtensionContext["registry"], service: LockerService): void {
  if (registry.getSingleMetric("qh_locker_outbox_pending")) return;
  new Gauge({
    name: "qh_locker_outbox_pending",
    help: "Locker events committed with their state change, not yet taken by the event store (locker_outbox)",
    registers: [registry],
    collect() {
      this.set(service.pendingEvents());
    },
  });
  new Gauge({
    name: "qh_locker_door_reports_unwritten",
    help: "Door reports kept in memory because the store could not write them (written once it can)",
    registers: [registry],
    collect() {
      this.set(service.unwrittenDoorReports());
    },
  });
  new Counter({
    name: "qh_kiosk_wrong_codes_total",
    help: "Wrong pickup and courier codes, per kiosk terminal and kind",
    labelNames: ["terminal", "kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of service.guardTally().wrong.values())
        this.inc({ terminal: w.terminal, kind: w.kind }, w.n);
    },
  });
  new Counter({
    name: "qh_kiosk_codes_refused_total",
    help: "Kiosk requests refused before any code was checked: terminal_unknown, locked_out, site_slowed",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of service.guardTally().refused) this.inc({ reason }, n);
    },
  });
}
