import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { CompartmentRef, CompartmentSize } from "./ports.js";
import { ACTIVE_SQL } from "./schema.js";
import type { ParcelView } from "./types.js";

export type ParcelState =
  | "reserved"
  | "depositing"
  | "stored"
  | "overdue"
  | "collecting"
  | "retrieving"
  | "picked_up"
  | "retrieved"
  | "cancelled"
  | "failed"
  | "expired";

export type ParcelKind = "delivery" | "reservation";

export interface ParcelRow {
  id: string;
  kind: ParcelKind;
  order_id: string | null;
  barcode: string | null;
  device: string | null;
  compartment: string | null;
  size: CompartmentSize;
  courier: string | null;
  state: ParcelState;
  deadline: number | null;
  door_opened: number;
  terminal: string | null;
  created_at: number;
  deposited_at: number | null;
  overdue_at: number | null;
  recalled_at: number | null;
  closed_at: number | null;
  end_reason: string | null;
  updated_at: number;
}

const PATCHABLE = new Set<keyof ParcelRow>([
  "device",
  "compartment",
  "courier",
  "state",
  "deadline",
  "door_opened",
  "terminal",
  "deposited_at",
  "overdue_at",
  "recalled_at",
  "closed_at",
  "end_reason",
]);

export type ParcelPatch = Partial<
  Pick<
    ParcelRow,
    | "device"
    | "compartment"
    | "courier"
    | "state"
    | "deadline"
    | "door_opened"
    | "terminal"
    | "deposited_at"
    | "overdue_at"
    | "recalled_at"
    | "closed_at"
    | "end_reason"
  >
>;

export interface NewParcel {
  id: string;
  kind: ParcelKind;
  orderId?: string;
  barcode?: string;
  ref: CompartmentRef;
  size: CompartmentSize;
  courier?: string;
  state: ParcelState;
  deadline?: number;
  terminal?: string;
}

/** The parcels table: deliveries and reservations, from booking or deposit to their end. */
export class ParcelStore {
  private readonly getStmt: Database.Statement;
  private readonly inStmt: Database.Statement;
  private readonly patchStmts = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.getStmt = db.prepare("SELECT * FROM locker_parcels WHERE id = ?");
    this.inStmt = db.prepare(
      `SELECT * FROM locker_parcels WHERE device = ? AND compartment = ? AND state IN ${ACTIVE_SQL}`,
    );
  }

  insert(p: NewParcel, now: number): void {
    this.db
      .prepare(
        `INSERT INTO locker_parcels (id, kind, order_id, barcode, device, compartment, size, courier, state, deadline,
           terminal, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.id,
        p.kind,
        p.orderId ?? null,
        p.barcode ?? null,
        p.ref.device,
        p.ref.compartment,
        p.size,
        p.courier ?? null,
        p.state,
        p.deadline ?? null,
        p.terminal ?? null,
        now,
        now,
      );
  }

  get(id: string): ParcelRow | undefined {
    return this.getStmt.get(id) as ParcelRow | undefined;
  }

  require(id: string): ParcelRow {
    const p = this.get(id);
    if (!p) throw new QhError("QH_LOCKER_PARCEL_UNKNOWN", `no parcel ${id}`);
    return p;
  }

  /** The parcel holding this compartment, if any. */
  activeIn(ref: CompartmentRef): ParcelRow | undefined {
    return this.inStmt.get(ref.device, ref.compartment) as ParcelRow | undefined;
  }

  activeByOrder(orderId: string): ParcelRow | undefined {
    return this.db
      .prepare(`SELECT * FROM locker_parcels WHERE order_id = ? AND state IN ${ACTIVE_SQL}`)
      .get(orderId) as ParcelRow | undefined;
  }

  activeByBarcode(barcode: string): ParcelRow | undefined {
    return this.db
      .prepare(`SELECT * FROM locker_parcels WHERE barcode = ? AND state IN ${ACTIVE_SQL}`)
      .get(barcode) as ParcelRow | undefined;
  }

  inState(state: ParcelState): ParcelRow[] {
    return this.db
      .prepare("SELECT * FROM locker_parcels WHERE state = ? ORDER BY created_at")
      .all(state) as ParcelRow[];
  }

  /** Parcels in `state` whose deadline has passed. */
  due(state: ParcelState, now: number): ParcelRow[] {
    return this.db
      .prepare(
        "SELECT * FROM locker_parcels WHERE state = ? AND deadline IS NOT NULL AND deadline <= ? ORDER BY deadline",
      )
      .all(state, now) as ParcelRow[];
  }

  overdueOf(courier: string): ParcelRow[] {
    return this.db
      .prepare(
        "SELECT * FROM locker_parcels WHERE state = 'overdue' AND courier = ? ORDER BY device, compartment",
      )
      .all(courier) as ParcelRow[];
  }

  patch(id: string, fields: ParcelPatch, now: number): void {
    const keys = Object.keys(fields).filter((k) =>
      PATCHABLE.has(k as keyof ParcelRow),
    ) as (keyof ParcelPatch)[];
    const sig = keys.join(",");
    let stmt = this.patchStmts.get(sig);
    if (!stmt) {
      const sets = keys.map((k) => `${k} = @${k}`);
      stmt = this.db.prepare(
        `UPDATE locker_parcels SET ${[...sets, "updated_at = @updated_at"].join(", ")} WHERE id = @id`,
      );
      this.patchStmts.set(sig, stmt);
    }
    const params: Record<string, unknown> = { id, updated_at: now };
    for (const k of keys) params[k] = fields[k] ?? null;
    stmt.run(params);
  }
}

/** The part of an event payload that says which parcel and where. */
export function parcelData(p: ParcelRow): JsonObject {
  const d: JsonObject = { parcelId: p.id };
  if (p.barcode !== null) d.barcode = p.barcode;
  if (p.order_id !== null) d.orderId = p.order_id;
  d.device = p.device;
  d.compartment = p.compartment;
  return d;
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The API's view of a parcel row (times as ISO strings). */
export function parcelView(p: ParcelRow): ParcelView {
  return {
    parcelId: p.id,
    kind: p.kind,
    orderId: p.order_id,
    barcode: p.barcode,
    device: p.device,
    compartment: p.compartment,
    size: p.size,
    courier: p.courier,
    state: p.state,
    deadline: iso(p.deadline),
    depositedAt: iso(p.deposited_at),
    closedAt: iso(p.closed_at),
  };
}
