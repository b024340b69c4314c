/**
 * Lots in distribution bundles (issue 11, emergency supply): a pack label scanned while a
 * volunteer's bundle door is assigned or open, or a lot the platform named for the bundle in
 * `distribution.load`, is kept in `trace_loads` (`kind` bundle, `bundle_id`). Where the bundle is
 * and whether it was collected are read from `distribution_bundles` at trace time (a bundle moved
 * after a jam needs nothing more). A bundle holding a recalled lot, or a lot past its expiry date,
 * is not handed to the resident (nor loaded by a volunteer): the refusal is read from the local
 * records, offline too.
 */
import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { insertLoad, lotOrRunOn, RUN_ON_CANDIDATES } from "./load-row.js";
import type { ScannedLot } from "./lots.js";
import type { TraceOutbox } from "./outbox.js";

/** A lot the platform named for a bundle (`distribution.load`: bundles[].lots[]). */
export interface PlannedLot {
  /** 14 digits (normalised) */
  gtin: string;
  lot: string;
  /** YYYY-MM-DD */
  expiry?: string;
  quantity?: number;
}

/** Bundle states still on their way to, or in, a compartment (a recall blocks them). */
export const BUNDLE_NOT_DONE = ["pending", "waiting", "loading", "loaded", "collecting", "retrieving"];
/** Bundle states with the bundle in a compartment. */
export const BUNDLE_INSIDE = ["loading", "loaded", "collecting", "retrieving"];

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * Record a lot scanned into the bundle behind a volunteer's door (own transaction; emits
 * `bundle.lot_loaded`, device = the locker bank). Resolves with the event's data once durable.
 */
export async function loadBundleLot(
  outbox: TraceOutbox,
  clock: Clock,
  bundle: { bundleId: string; roundId: string; device: string; compartment: string },
  lot: ScannedLot,
  by: string,
): Promise<JsonObject> {
  const quantity = lot.count ?? 1;
  const { result, durable } = outbox.commit((tx) => {
    insertLoad(tx.db, {
      gtin: lot.gtin,
      lot: lot.lot,
      expiry: lot.expiry,
      serial: lot.serial,
      quantity,
      kind: "bundle",
      device: bundle.device,
      compartment: bundle.compartment,
      bundleId: bundle.bundleId,
      loadedAt: tx.now,
      clockUnsynced: !clock.synced(),
      by,
      code: lot.code,
      candidates: lot.candidates,
    });
    const data = {
      bundleId: bundle.bundleId,
      roundId: bundle.roundId,
      compartment: bundle.compartment,
      gtin: lot.gtin,
      lot: lot.lot,
      expiry: lot.expiry ?? null,
      quantity,
      source: "scan",
    };
    tx.emit(bundle.device, "bundle.lot_loaded", data);
    return data;
  });
  await durable;
  return result;
}

/**
 * Record the lots the platform named for a bundle, in the caller's transaction (the round's
 * load: the bundle and its lots commit together). `device`: the gateway's id (the bundle is in
 * no compartment yet). No event: the platform sent them.
 */
export function recordPlannedLots(
  db: Database.Database,
  now: number,
  synced: boolean,
  device: string,
  bundleId: string,
  lots: readonly PlannedLot[],
  by: string,
): void {
  for (const l of lots)
    insertLoad(db, {
      gtin: l.gtin,
      lot: l.lot,
      expiry: l.expiry,
      quantity: l.quantity ?? 1,
      kind: "bundle",
      device,
      bundleId,
      loadedAt: now,
      clockUnsynced: !synced,
      by,
    });
}

/**
 * The refusal of a bundle holding a recalled lot (QH_TRACE_LOT_RECALLED) or, when `today`
 * (YYYY-MM-DD, the site's day: TraceLots.today) is given, a lot past its expiry date
 * (QH_TRACE_LOT_EXPIRED: a lot is good through its day), or undefined. Recorded lots count: those
 * scanned into the bundle and those the platform named in `distribution.load`. For the resident's
 * `collect`, the expiry refusal's details do not name the bundle (whoever typed the code may have
 * guessed it), nor does the recall's (`bundle: true` marks it a bundle's).
 */
export function bundleRefusal(
  db: Database.Database,
  bundleId: string,
  purpose: "collect" | "load",
  today?: string,
): QhError | undefined {
  const named = purpose === "load" ? { bundleId } : {};
  const r = db
    .prepare(
      `SELECT l.gtin, l.lot, r.recall_id FROM trace_loads l
       JOIN trace_recalls r ON r.gtin = l.gtin AND (r.lot = l.lot OR r.lot IN (${RUN_ON_CANDIDATES}))
       WHERE l.bundle_id = ? LIMIT 1`,
    )
    .get(bundleId) as { gtin: string; lot: string; recall_id: string } | undefined;
  if (r)
    return new QhError(
      "QH_TRACE_LOT_RECALLED",
      purpose === "collect"
        ? `this bundle holds lot ${r.lot} of ${r.gtin}, which is recalled: it cannot be collected; a volunteer takes it back`
        : `bundle ${bundleId} holds lot ${r.lot} of ${r.gtin}, which is recalled: do not load it; keep it apart`,
      // the resident's answer names no bundle (whoever typed the code may have guessed it)
      {
        ...(purpose === "load" ? { bundleId } : { bundle: true }),
        gtin: r.gtin,
        lot: r.lot,
        recallId: r.recall_id,
      },
    );
  if (today === undefined) return undefined;
  const e = db
    .prepare(
      `SELECT gtin, lot, expiry FROM trace_loads WHERE bundle_id = ? AND expiry IS NOT NULL AND expiry < ?
       ORDER BY expiry LIMIT 1`,
    )
    .get(bundleId, today) as { gtin: string; lot: string; expiry: string } | undefined;
  if (!e) return undefined;
  return new QhError(
    "QH_TRACE_LOT_EXPIRED",
    purpose === "collect"
      ? `this bundle holds lot ${e.lot} of ${e.gtin}, which expired on ${e.expiry}: it cannot be collected; a volunteer takes it back`
      : `bundle ${bundleId} holds lot ${e.lot} of ${e.gtin}, which expired on ${e.expiry}: do not load it; keep it apart`,
    { ...named, gtin: e.gtin, lot: e.lot, expiry: e.expiry, today },
  );
}

/** A bundle a recall blocks. */
export interface BlockedBundle {
  bundleId: string;
  roundId: string;
  /** the locker bank holding it, or the gateway's id for a bundle in no compartment yet */
  device: string;
  compartment: string | null;
  state: string;
  inLocker: boolean;
}

/** The bundles holding the lot that are not collected, unclaimed or done (a recall blocks them). */
export function bundlesToBlock(db: Database.Database, gtin: string, lot: string): BlockedBundle[] {
  if (!hasTable(db, "distribution_bundles")) return [];
  const rows = db
    .prepare(
      `SELECT b.bundle_id, b.round_id, coalesce(b.device, min(l.device)) AS device, b.compartment, b.state
       FROM trace_loads l JOIN distribution_bundles b ON b.bundle_id = l.bundle_id
       WHERE l.kind = 'bundle' AND l.gtin = ? AND ${lotOrRunOn("l.lot")} AND b.state IN (${BUNDLE_NOT_DONE.map(() => "?").join(",")})
       GROUP BY b.bundle_id ORDER BY b.device, b.compartment, b.bundle_id`,
    )
    .all(gtin, lot, gtin, lot, ...BUNDLE_NOT_DONE) as {
    bundle_id: string;
    round_id: string;
    device: string;
    compartment: string | null;
    state: string;
  }[];
  return rows.map((r) => ({
    bundleId: r.bundle_id,
    roundId: r.round_id,
    device: r.device,
    compartment: r.compartment,
    state: r.state,
    inLocker: BUNDLE_INSIDE.includes(r.state),
  }));
}

/** A bundle's row as the trace reads it. */
export interface BundlePlace {
  bundleId: string;
  roundId: string;
  device: string | null;
  compartment: string | null;
  state: string;
  loadedAt: number | null;
  collectedAt: number | null;
  updatedAt: number;
  /** when it was taken back out (state retrieved), and why (recalled, expired, unclaimed, remote_open) */
  retrievedAt: number | null;
  retrieveReason: string | null;
}

/** The bundles named by `bundleIds` (distribution_bundles), in the given order; unknown ids left out. */
export function bundlePlaces(db: Database.Database, bundleIds: readonly string[]): BundlePlace[] {
  if (bundleIds.length === 0 || !hasTable(db, "distribution_bundles")) return [];
  const get = db.prepare(
    "SELECT bundle_id, round_id, device, compartment, state, loaded_at, collected_at, updated_at, retrieved_at, retrieve_reason FROM distribution_bundles WHERE bundle_id = ?",
  );
  const out: BundlePlace[] = [];
  for (const id of bundleIds) {
    const r = get.get(id) as
      | {
          bundle_id: string;
          round_id: string;
          device: string | null;
          compartment: string | null;
          state: string;
          loaded_at: number | null;
          collected_at: number | null;
          updated_at: number;
          retrieved_at: number | null;
          retrieve_reason: string | null;
        }
      | undefined;
    if (r)
      out.push({
        bundleId: r.bundle_id,
        roundId: r.round_id,
        device: r.device,
        compartment: r.compartment,
        state: r.state,
        loadedAt: r.loaded_at,
        collectedAt: r.collected_at,
        updatedAt: r.updated_at,
        retrievedAt: r.retrieved_at,
        retrieveReason: r.retrieve_reason,
      });
  }
  return out;
}
