import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type Database from "better-sqlite3";
import { QhError } from "../../core/errors.js";
import { ACTIVE_SQL } from "./schema.js";

/** The prefix a pickup QR code carries before the code itself. */
export const PICKUP_QR_PREFIX = "qh:pickup:";
const PICKUP_CODE_RE = /^\d{4,12}$/;
const COURIER_CODE_RE = /^[A-Za-z0-9]{4,32}$/;

/**
 * Keyed hashes of codes (HMAC-SHA256 with the site secret). The kind is part of the message, so a
 * pickup code and a courier code with the same digits never share a hash. A keyed hash is
 * deterministic, which lets a code be found by an index lookup; a stolen database without the key
 * does not let anyone test the million 6-digit candidates.
 */
export class CodeHasher {
  constructor(private readonly key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length < 16) {
      throw new QhError("QH_CONFIG_INVALID", "locker.secretKey: must be a Buffer of at least 16 bytes");
    }
  }

  hash(kind: "pickup" | "courier", code: string): Buffer {
    return createHmac("sha256", this.key).update(`${kind}:${code}`).digest();
  }

  /** Constant-time comparison of two hashes. */
  static equal(a: Buffer, b: Buffer): boolean {
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** A typed or scanned pickup code: `qh:pickup:<code>` from a QR code, or the bare digits. */
export function parsePickupInput(input: unknown): string | undefined {
  if (typeof input !== "string") return undefined;
  let s = input.trim();
  if (s.toLowerCase().startsWith(PICKUP_QR_PREFIX)) s = s.slice(PICKUP_QR_PREFIX.length).trim();
  return PICKUP_CODE_RE.test(s) ? s : undefined;
}

export function isValidPickupCode(code: unknown): code is string {
  return typeof code === "string" && PICKUP_CODE_RE.test(code);
}

export function isValidCourierCode(code: unknown): code is string {
  return typeof code === "string" && COURIER_CODE_RE.test(code);
}

/** `length` digits from crypto randomness, leading zeros kept. */
export function generateCode(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += String(randomInt(0, 10));
  return s;
}

/** Pickup codes of active parcels, by hash. A parcel may hold more than one (a reissued code). */
export class PickupCodes {
  private readonly insertStmt: Database.Statement;
  private readonly findStmt: Database.Statement;
  private readonly revokeStmt: Database.Statement;
  private readonly removeHashStmt: Database.Statement;
  /**
   * Another vertical's codes (a distribution bundle's, holds.ts `setCodeInUse`): true when the
   * hash is one it still honours. Such a code is never issued to a parcel nor registered for one,
   * so one code never opens two doors.
   */
  inUseElsewhere: ((hash: Buffer) => boolean) | undefined;

  constructor(
    db: Database.Database,
    private readonly hasher: CodeHasher,
    private readonly codeLength: number,
  ) {
    this.insertStmt = db.prepare("INSERT INTO locker_pickup_codes (hash, parcel_id) VALUES (?, ?)");
    this.findStmt = db.prepare(
      `SELECT c.hash, c.parcel_id FROM locker_pickup_codes c JOIN locker_parcels p ON p.id = c.parcel_id
       WHERE c.hash = ? AND p.state IN ${ACTIVE_SQL}`,
    );
    this.revokeStmt = db.prepare("DELETE FROM locker_pickup_codes WHERE parcel_id = ?");
    this.removeHashStmt = db.prepare("DELETE FROM locker_pickup_codes WHERE hash = ?");
  }

  /**
   * Generate a code unique among active parcels and another vertical's live codes (a bundle's),
   * store its hash; the clear code is returned once. QH_LOCKER_CODE_SPACE after 100 draws.
   */
  issue(parcelId: string): string {
    for (let attempt = 0; attempt < 100; attempt++) {
      const code = generateCode(this.codeLength);
      if (this.parcelFor(code) !== undefined || this.usedElsewhere(code)) continue;
      this.removeStale(code);
      this.insertStmt.run(this.hasher.hash("pickup", code), parcelId);
      return code;
    }
    throw new QhError("QH_LOCKER_CODE_SPACE", `no free ${this.codeLength}-digit pickup code after 100 tries`);
  }

  /**
   * Store a code chosen by the platform (a reservation); QH_LOCKER_CODE_IN_USE if an active parcel
   * or another vertical's live code (a distribution bundle's) uses it.
   */
  register(parcelId: string, code: string): void {
    if (this.parcelFor(code) !== undefined) {
      throw new QhError("QH_LOCKER_CODE_IN_USE", "this pickup code is already used by an active parcel");
    }
    if (this.usedElsewhere(code)) {
      throw new QhError(
        "QH_LOCKER_CODE_IN_USE",
        "this pickup code is already used by a distribution bundle in the lockers",
      );
    }
    this.removeStale(code);
    this.insertStmt.run(this.hasher.hash("pickup", code), parcelId);
  }

  /** The active parcel holding this code, if any. */
  parcelFor(code: string): string | undefined {
    const h = this.hasher.hash("pickup", code);
    const row = this.findStmt.get(h) as { hash: Buffer; parcel_id: string } | undefined;
    return row && CodeHasher.equal(row.hash, h) ? row.parcel_id : undefined;
  }

  /** The active parcel holding the code whose hash (`hasher.hash("pickup", code)`) is `h`, if any. */
  parcelForHash(h: Buffer): string | undefined {
    const row = this.findStmt.get(h) as { hash: Buffer; parcel_id: string } | undefined;
    return row && CodeHasher.equal(row.hash, h) ? row.parcel_id : undefined;
  }

  /** Does this code open this parcel? (constant-time on the hash) */
  matches(parcelId: string, code: string): boolean {
    return this.parcelFor(code) === parcelId;
  }

  /** The code works no more: the parcel left the locker (or the reservation ended). */
  revoke(parcelId: string): void {
    this.revokeStmt.run(parcelId);
  }

  private usedElsewhere(code: string): boolean {
    return this.inUseElsewhere?.(this.hasher.hash("pickup", code)) === true;
  }

  /** A hash left behind by a parcel that is no longer active (should not happen; be tidy). */
  private removeStale(code: string): void {
    this.removeHashStmt.run(this.hasher.hash("pickup", code));
  }
}

/** What a synced code may do: deposit and retrieve parcels (`courier`), load and take back bundles (`volunteer`). */
export type CodeRole = "courier" | "volunteer";
export const CODE_ROLES: readonly CodeRole[] = ["courier", "volunteer"];

export interface CourierCodeInput {
  id: string;
  code: string;
  /** default both (docs/locker.md `courier.codes.set`) */
  roles?: readonly CodeRole[];
}

/** Courier (and merchant) codes synced from the platform, hashed at rest, checked offline. */
export class CourierCodes {
  constructor(
    private readonly db: Database.Database,
    private readonly hasher: CodeHasher,
  ) {}

  /** Replace the whole set in one transaction. */
  replace(couriers: readonly CourierCodeInput[], now: number): number {
    const seen = new Set<string>();
    const rows = couriers.map((c) => {
      const hash = this.hasher.hash("courier", c.code);
      const key = hash.toString("hex");
      if (seen.has(key)) {
        throw new QhError("QH_COMMAND_INVALID", `courier ${c.id}: two couriers share one code`);
      }
      seen.add(key);
      return { hash, id: c.id, roles: (c.roles ?? CODE_ROLES).join(",") };
    });
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM locker_courier_codes").run();
      const ins = this.db.prepare(
        "INSERT INTO locker_courier_codes (hash, courier, roles, updated_at) VALUES (?, ?, ?, ?)",
      );
      for (const r of rows) ins.run(r.hash, r.id, r.roles, now);
    })();
    return rows.length;
  }

  /**
   * The id this code belongs to, if it has `role` (default `courier`): a code without the role is
   * unknown to that desk (a wrong code there, counted like any other).
   */
  identify(code: string, role: CodeRole = "courier"): string | undefined {
    if (!isValidCourierCode(code)) return undefined;
    const h = this.hasher.hash("courier", code);
    const row = this.db
      .prepare("SELECT hash, courier, roles FROM locker_courier_codes WHERE hash = ?")
      .get(h) as { hash: Buffer; courier: string; roles: string } | undefined;
    if (!row || !CodeHasher.equal(row.hash, h)) return undefined;
    return row.roles.split(",").includes(role) ? row.courier : undefined;
  }

  /**
   * Whether the synced code of `id` still has `role` (a session opened with it ends once the
   * platform's courier.codes.set took the role away or removed the code).
   */
  hasRole(id: string, role: CodeRole): boolean {
    const rows = this.db
      .prepare("SELECT roles FROM locker_courier_codes WHERE courier = ?")
      .pluck()
      .all(id) as string[];
    return rows.some((r) => r.split(",").includes(role));
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM locker_courier_codes").get() as { n: number }).n;
  }
}
