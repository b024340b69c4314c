import type Database from "better-sqlite3";
import type { CompartmentSize } from "../locker/ports.js";

export type BundleState =
  | "pending"
  | "waiting"
  | "loading"
  | "loaded"
  | "collecting"
  | "collected"
  | "unclaimed"
  /** its door opened to take it back (a volunteer, the platform's locker.open): out when it shuts empty */
  | "retrieving"
  /** taken back out of its compartment (recalled, unclaimed, or the platform's locker.open) */
  | "retrieved";
export type RetrieveReason = "recalled" | "expired" | "unclaimed" | "remote_open";
export type BundleZone = "ambient" | "chilled" | "frozen";

export interface BundleRow {
  bundle_id: string;
  round_id: string;
  household: string;
  code_hash: Buffer;
  slot_from: number | null;
  slot_to: number | null;
  size: CompartmentSize | null;
  zone: BundleZone;
  state: BundleState;
  device: string | null;
  compartment: string | null;
  door_opened: number;
  volunteer: string | null;
  terminal: string | null;
  position: number;
  queued_at: number | null;
  loaded_at: number | null;
  collected_at: number | null;
  updated_at: number;
  retrieved_at: number | null;
  retrieve_reason: RetrieveReason | null;
  /** who took it back: a volunteer's id, or "platform" (locker.open) */
  retrieved_by: string | null;
}

export interface RoundRow {
  round_id: string;
  state: "open" | "closed";
  closes_at: number | null;
  created_at: number;
  closed_at: number | null;
  close_reason: string | null;
}

export interface RoundCounts {
  total: number;
  pending: number;
  waiting: number;
  loaded: number;
  collected: number;
  unclaimed: number;
  /** taken back out of the lockers (recalled, unclaimed, locker.open): neither collected nor unclaimed */
  retrieved: number;
}

type Patch = Partial<
  Pick<
    BundleRow,
    | "state"
    | "device"
    | "compartment"
    | "door_opened"
    | "volunteer"
    | "terminal"
    | "queued_at"
    | "loaded_at"
    | "collected_at"
    | "retrieved_at"
    | "retrieve_reason"
    | "retrieved_by"
  >
>;

/** The rounds and bundles tables (schema.ts). Plain SQL, no policy. */
export class DistributionStore {
  constructor(private readonly db: Database.Database) {}

  round(roundId: string): RoundRow | undefined {
    return this.db.prepare("SELECT * FROM distribution_rounds WHERE round_id = ?").get(roundId) as
      | RoundRow
      | undefined;
  }

  openRounds(): RoundRow[] {
    return this.db
      .prepare("SELECT * FROM distribution_rounds WHERE state = 'open' ORDER BY created_at")
      .all() as RoundRow[];
  }

  insertRound(roundId: string, closesAt: number | null, now: number): void {
    this.db
      .prepare(
        "INSERT INTO distribution_rounds (round_id, state, closes_at, created_at) VALUES (?, 'open', ?, ?)",
      )
      .run(roundId, closesAt, now);
  }

  setClosesAt(roundId: string, closesAt: number): void {
    this.db.prepare("UPDATE distribution_rounds SET closes_at = ? WHERE round_id = ?").run(closesAt, roundId);
  }

  closeRound(roundId: string, reason: string, now: number): void {
    this.db
      .prepare(
        "UPDATE distribution_rounds SET state = 'closed', closed_at = ?, close_reason = ? WHERE round_id = ?",
      )
      .run(now, reason, roundId);
  }

  /** One bundle, as distribution.load inserts many (BundleBatch.insert). */
  insertBundle(b: NewBundle, now: number): void {
    new BundleBatch(this.db).insert([b], now);
  }

  bundle(bundleId: string): BundleRow | undefined {
    return this.db.prepare("SELECT * FROM distribution_bundles WHERE bundle_id = ?").get(bundleId) as
      | BundleRow
      | undefined;
  }

  byCode(hash: Buffer): BundleRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM distribution_bundles WHERE code_hash = ? AND state NOT IN ('collected','unclaimed','retrieved') ORDER BY position LIMIT 1",
      )
      .get(hash) as BundleRow | undefined;
  }

  /** Bundles whose code is live (every state but collected, unclaimed and retrieved: byCode finds them). */
  liveCodes(): number {
    return this.db
      .prepare(
        "SELECT count(*) FROM distribution_bundles WHERE state NOT IN ('collected','unclaimed','retrieved')",
      )
      .pluck()
      .get() as number;
  }

  /** Whether any bundle (any round, any state) ever had this code (the keyed hashes are kept). */
  everHadCode(hash: Buffer): boolean {
    return (
      this.db.prepare("SELECT 1 FROM distribution_bundles WHERE code_hash = ? LIMIT 1").get(hash) !==
      undefined
    );
  }

  /** The latest bundle taken back with this code (its resident is told so, not "wrong code"). */
  retrievedByCode(hash: Buffer): BundleRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM distribution_bundles WHERE code_hash = ? AND state = 'retrieved' ORDER BY retrieved_at DESC LIMIT 1",
      )
      .get(hash) as BundleRow | undefined;
  }

  /** The bundle in a compartment (loading, loaded, being collected or taken back), if any. */
  inCompartment(device: string, compartment: string): BundleRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM distribution_bundles WHERE device = ? AND compartment = ? AND state IN ('loading','loaded','collecting','retrieving')",
      )
      .get(device, compartment) as BundleRow | undefined;
  }

  households(roundId: string): Set<string> {
    return new Set(
      (
        this.db.prepare("SELECT household FROM distribution_bundles WHERE round_id = ?").all(roundId) as {
          household: string;
        }[]
      ).map((r) => r.household),
    );
  }

  count(roundId: string): number {
    return this.db
      .prepare("SELECT count(*) FROM distribution_bundles WHERE round_id = ?")
      .pluck()
      .get(roundId) as number;
  }

  maxPosition(): number {
    return (
      (this.db.prepare("SELECT max(position) FROM distribution_bundles").pluck().get() as number | null) ?? 0
    );
  }

  inState(state: BundleState, roundId?: string): BundleRow[] {
    return (
      roundId === undefined
        ? this.db.prepare("SELECT * FROM distribution_bundles WHERE state = ? ORDER BY position").all(state)
        : this.db
            .prepare("SELECT * FROM distribution_bundles WHERE state = ? AND round_id = ? ORDER BY position")
            .all(state, roundId)
    ) as BundleRow[];
  }

  /** Every bundle of a round, in load order. */
  roundBundles(roundId: string): BundleRow[] {
    return this.db
      .prepare("SELECT * FROM distribution_bundles WHERE round_id = ? ORDER BY position")
      .all(roundId) as BundleRow[];
  }

  /** The round's bundles neither collected nor taken back out (retrieved): its unclaimed ones at the close. */
  notCollected(roundId: string): BundleRow[] {
    return this.db
      .prepare(
        "SELECT * FROM distribution_bundles WHERE round_id = ? AND state NOT IN ('collected','retrieved') ORDER BY position",
      )
      .all(roundId) as BundleRow[];
  }

  /**
   * A round's counts, each defined once (docs/emergency.md "Counts"): `total` every bundle;
   * `pending` not loaded yet and not queued (`pending`, `loading`: its door open); `waiting`
   * queued for a compartment; `loaded` in a compartment now; `collected` taken by its resident;
   * `unclaimed` 0 while the round is open, once it is closed every bundle not collected (never
   * loaded, or still in a compartment: those are in `loaded` too, and leave both when collected).
   */
  counts(roundId: string): RoundCounts {
    const closed =
      (this.db.prepare("SELECT state FROM distribution_rounds WHERE round_id = ?").pluck().get(roundId) as
        | string
        | undefined) === "closed";
    const rows = this.db
      .prepare("SELECT state, count(*) AS n FROM distribution_bundles WHERE round_id = ? GROUP BY state")
      .all(roundId) as { state: BundleState; n: number }[];
    const c: RoundCounts = {
      total: 0,
      pending: 0,
      waiting: 0,
      loaded: 0,
      collected: 0,
      unclaimed: 0,
      retrieved: 0,
    };
    for (const r of rows) {
      c.total += r.n;
      if (r.state === "pending" || r.state === "loading") c.pending += r.n;
      else if (r.state === "waiting") c.waiting += r.n;
      else if (r.state === "loaded" || r.state === "collecting" || r.state === "retrieving") c.loaded += r.n;
      else if (r.state === "collected") c.collected += r.n;
      else if (r.state === "retrieved") c.retrieved += r.n;
    }
    if (closed) c.unclaimed = c.total - c.collected - c.retrieved;
    return c;
  }

  patch(bundleId: string, fields: Patch, now: number): void {
    const keys = Object.keys(fields) as (keyof Patch)[];
    const sets = [...keys.map((k) => `${k} = @${k}`), "updated_at = @updated_at"].join(", ");
    const params: Record<string, unknown> = { id: bundleId, updated_at: now };
    for (const k of keys) params[k] = fields[k] ?? null;
    this.db.prepare(`UPDATE distribution_bundles SET ${sets} WHERE bundle_id = @id`).run(params);
  }
}

/** A bundle as `distribution.load` inserts it (DistributionStore.insertBundles). */
export type NewBundle = Omit<
  BundleRow,
  | "door_opened"
  | "device"
  | "compartment"
  | "volunteer"
  | "terminal"
  | "queued_at"
  | "loaded_at"
  | "collected_at"
  | "updated_at"
  | "retrieved_at"
  | "retrieve_reason"
  | "retrieved_by"
>;

/**
 * What a round's load asks of the bundles table for thousands of bundles at once, each in one
 * query or one statement prepared once (a statement prepared per bundle cost more than the insert).
 */
export class BundleBatch {
  private readonly knownStmt: Database.Statement;
  private readonly liveStmt: Database.Statement;
  private readonly insertStmt: Database.Statement;
  private readonly householdsStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.householdsStmt = db.prepare(
      `SELECT DISTINCT hex(code_hash) AS hash, household FROM distribution_bundles
       WHERE code_hash IN (SELECT unhex(value) FROM json_each(?))`,
    );
    this.knownStmt = db.prepare(
      "SELECT bundle_id, round_id FROM distribution_bundles WHERE bundle_id IN (SELECT value FROM json_each(?))",
    );
    this.liveStmt = db
      .prepare(
        `SELECT DISTINCT hex(code_hash) FROM distribution_bundles
         WHERE code_hash IN (SELECT unhex(value) FROM json_each(?)) AND state NOT IN ('collected','unclaimed','retrieved')`,
      )
      .pluck();
    this.insertStmt = db.prepare(
      `INSERT INTO distribution_bundles (bundle_id, round_id, household, code_hash, slot_from, slot_to, size, zone,
         state, position, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** bundle id → its round, for those of `ids` already known (any round, any state). */
  known(ids: readonly string[]): Map<string, string> {
    const rows = this.knownStmt.all(JSON.stringify(ids)) as { bundle_id: string; round_id: string }[];
    return new Map(rows.map((r) => [r.bundle_id, r.round_id]));
  }

  /** The hashes (upper-case hex) of `hashes` a bundle's live code has (what byCode finds). */
  live(hashes: readonly Buffer[]): Set<string> {
    return new Set(this.liveStmt.all(JSON.stringify(hashes.map((h) => h.toString("hex")))) as string[]);
  }

  /** hash (upper-case hex) → the households whose bundles ever had it (any round, any state). */
  households(hashes: readonly Buffer[]): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    const rows = this.householdsStmt.all(JSON.stringify(hashes.map((h) => h.toString("hex")))) as {
      hash: string;
      household: string;
    }[];
    for (const r of rows) out.set(r.hash, (out.get(r.hash) ?? new Set()).add(r.household));
    return out;
  }

  /** Inserts the bundles (inside the caller's transaction). */
  insert(rows: readonly NewBundle[], now: number): void {
    for (const b of rows)
      this.insertStmt.run(
        b.bundle_id,
        b.round_id,
        b.household,
        b.code_hash,
        b.slot_from,
        b.slot_to,
        b.size,
        b.zone,
        b.state,
        b.position,
        now,
      );
  }
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
