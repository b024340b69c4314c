import type Database from "better-sqlite3";
import { DEVICE_ID_RE } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import {
  type CompartmentLayout,
  type CompartmentRef,
  type CompartmentSize,
  isCompartmentSize,
  type LockerBankLayout,
  sizeRank,
} from "./ports.js";
import { ACTIVE_SQL } from "./schema.js";

export type CompartmentState = "free" | "reserved" | "occupied" | "overdue" | "out_of_service";
export type OutOfServiceReason = "jammed" | "sensor_fault" | "disabled";
/** load, collect: a distribution round's bundle (src/domain/distribution/, through holds.ts) */
export type PulsePurpose = "deposit" | "pickup" | "retrieve" | "remote" | "load" | "collect";

export interface CompartmentRow {
  device: string;
  compartment: string;
  position: number;
  size: CompartmentSize;
  size_rank: number;
  board: string | null;
  has_door: number;
  has_presence: number;
  retired: number;
  state: CompartmentState;
  oos_reason: OutOfServiceReason | null;
  oos_note: string | null;
  oos_since: number | null;
  reachable: number;
  door_open: number | null;
  present: number | null;
  door_changed_at: number | null;
  left_open_reported: number;
  pulse_pending: number;
  pulse_at: number | null;
  pulse_purpose: PulsePurpose | null;
  pulse_parcel: string | null;
  pulse_terminal: string | null;
  pulse_command: string | null;
  updated_at: number;
}

export interface PulseIntent {
  purpose: PulsePurpose;
  parcelId?: string;
  terminal?: string;
  commandId?: string;
}

export function refKey(ref: CompartmentRef): string {
  return `${ref.device}/${ref.compartment}`;
}

export function refOf(row: { device: string; compartment: string }): CompartmentRef {
  return { device: row.device, compartment: row.compartment };
}

/** Check the layout once, at construction: a bad layout is a config error naming the place. */
export function validateLayout(layouts: readonly LockerBankLayout[]): void {
  if (!Array.isArray(layouts) || layouts.length === 0) {
    throw new QhError("QH_CONFIG_INVALID", "locker.layout: at least one locker bank is needed");
  }
  const devices = new Set<string>();
  layouts.forEach((bank, i) => {
    const at = `locker.layout[${i}]`;
    if (typeof bank?.device !== "string" || !DEVICE_ID_RE.test(bank.device)) {
      throw new QhError("QH_CONFIG_INVALID", `${at}.device: must be a device id`);
    }
    if (devices.has(bank.device))
      throw new QhError("QH_CONFIG_INVALID", `${at}.device: ${bank.device} twice`);
    devices.add(bank.device);
    if (!Array.isArray(bank.compartments) || bank.compartments.length === 0) {
      throw new QhError("QH_CONFIG_INVALID", `${at}.compartments: must list at least one compartment`);
    }
    const ids = new Set<string>();
    bank.compartments.forEach((c: CompartmentLayout, j: number) => {
      const cat = `${at}.compartments[${j}]`;
      if (typeof c?.id !== "string" || c.id.length === 0 || c.id.length > 32) {
        throw new QhError("QH_CONFIG_INVALID", `${cat}.id: must be a string of 1-32 characters`);
      }
      if (ids.has(c.id)) throw new QhError("QH_CONFIG_INVALID", `${cat}.id: ${c.id} twice`);
      ids.add(c.id);
      if (!isCompartmentSize(c.size)) {
        throw new QhError("QH_CONFIG_INVALID", `${cat}.size: must be XS, S, M, L or XL`);
      }
      if (typeof c.sensors?.door !== "boolean" || typeof c.sensors?.presence !== "boolean") {
        throw new QhError("QH_CONFIG_INVALID", `${cat}.sensors: door and presence must be booleans`);
      }
    });
  });
}

/** The compartments table: layout, service state, door truth, pulses, reachability. */
export class CompartmentStore {
  private readonly getStmt: Database.Statement;
  private readonly refreshStmt: Database.Statement;
  private readonly freeStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.getStmt = db.prepare("SELECT * FROM locker_compartments WHERE device = ? AND compartment = ?");
    this.refreshStmt = db.prepare(
      `UPDATE locker_compartments SET updated_at = @now, state = CASE
         WHEN oos_reason IS NOT NULL THEN 'out_of_service'
         ELSE COALESCE((SELECT CASE p.state WHEN 'reserved' THEN 'reserved' WHEN 'depositing' THEN 'reserved'
                          WHEN 'overdue' THEN 'overdue' ELSE 'occupied' END
                        FROM locker_parcels p
                        WHERE p.device = @device AND p.compartment = @compartment AND p.state IN ${ACTIVE_SQL}),
                       (SELECT 'occupied' FROM locker_holds h
                        WHERE h.device = @device AND h.compartment = @compartment),
                       'free') END
       WHERE device = @device AND compartment = @compartment`,
    );
    this.freeStmt = db.prepare(
      `SELECT * FROM locker_compartments
       WHERE state = 'free' AND retired = 0 AND reachable = 1 AND has_door = 1 AND pulse_pending = 0
         AND COALESCE(door_open, 0) = 0 AND (has_presence = 0 OR COALESCE(present, 0) = 0)
         AND size_rank >= ?
       ORDER BY size_rank, device, position`,
    );
  }

  /** Insert new compartments, update changed ones, retire those no longer in the layout. */
  sync(layouts: readonly LockerBankLayout[], now: number): void {
    const upsert = this.db.prepare(
      `INSERT INTO locker_compartments (device, compartment, position, size, size_rank, board, has_door, has_presence,
         retired, updated_at)
       VALUES (@device, @compartment, @position, @size, @rank, @board, @door, @presence, 0, @now)
       ON CONFLICT (device, compartment) DO UPDATE SET position = excluded.position, size = excluded.size,
         size_rank = excluded.size_rank, board = excluded.board, has_door = excluded.has_door,
         has_presence = excluded.has_presence, retired = 0`,
    );
    this.db.transaction(() => {
      this.db.prepare("UPDATE locker_compartments SET retired = 1").run();
      for (const bank of layouts) {
        bank.compartments.forEach((c, position) => {
          upsert.run({
            device: bank.device,
            compartment: c.id,
            position,
            size: c.size,
            rank: sizeRank(c.size),
            board: c.board === undefined ? null : String(c.board),
            door: c.sensors.door ? 1 : 0,
            presence: c.sensors.presence ? 1 : 0,
            now,
          });
        });
      }
    })();
  }

  get(ref: CompartmentRef): CompartmentRow | undefined {
    return this.getStmt.get(ref.device, ref.compartment) as CompartmentRow | undefined;
  }

  /** The compartment, or QH_LOCKER_COMPARTMENT_UNKNOWN. */
  require(ref: CompartmentRef): CompartmentRow {
    const row = this.get(ref);
    if (row?.retired === 1 && this.holdsSomething(ref)) {
      throw new QhError(
        "QH_LOCKER_COMPARTMENT_RETIRED",
        `compartment ${ref.compartment} of locker ${ref.device} holds a parcel but is no longer in the config: its door cannot be opened from here`,
        { device: ref.device, compartment: ref.compartment },
      );
    }
    if (!row || row.retired === 1) {
      throw new QhError(
        "QH_LOCKER_COMPARTMENT_UNKNOWN",
        `no compartment ${ref.compartment} in locker ${ref.device}`,
      );
    }
    return row;
  }

  /** An active parcel or a hold in this compartment (retired or not). */
  holdsSomething(ref: CompartmentRef): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM locker_parcels WHERE device = @device AND compartment = @compartment AND state IN ${ACTIVE_SQL}
           UNION ALL SELECT 1 FROM locker_holds WHERE device = @device AND compartment = @compartment LIMIT 1`,
        )
        .get(ref) !== undefined
    );
  }

  list(device?: string): CompartmentRow[] {
    const sql = "SELECT * FROM locker_compartments WHERE retired = 0";
    return (
      device === undefined
        ? this.db.prepare(`${sql} ORDER BY device, position`).all()
        : this.db.prepare(`${sql} AND device = ? ORDER BY position`).all(device)
    ) as CompartmentRow[];
  }

  devices(): string[] {
    return (
      this.db
        .prepare("SELECT DISTINCT device FROM locker_compartments WHERE retired = 0 ORDER BY device")
        .all() as {
        device: string;
      }[]
    ).map((r) => r.device);
  }

  /** Recompute the state column from the service flag and the active parcel. */
  refresh(ref: CompartmentRef, now: number): void {
    this.refreshStmt.run({ device: ref.device, compartment: ref.compartment, now });
  }

  /**
   * Usable free compartments of at least this size, smallest first (then device, layout order).
   * One whose presence sensor sees something inside is not offered (whatever is in it is not
   * given a second item, nor mistaken for it).
   */
  free(minRank: number, devices?: readonly string[], exclude?: ReadonlySet<string>): CompartmentRow[] {
    return (this.freeStmt.all(minRank) as CompartmentRow[]).filter(
      (r) => (devices === undefined || devices.includes(r.device)) && !exclude?.has(refKey(r)),
    );
  }

  setDoor(ref: CompartmentRef, open: boolean, present: boolean | undefined, ts: number): void {
    this.db
      .prepare(
        `UPDATE locker_compartments SET door_open = ?, present = COALESCE(?, present), door_changed_at = ?,
           left_open_reported = 0, pulse_pending = CASE WHEN ? THEN 0 ELSE pulse_pending END
         WHERE device = ? AND compartment = ?`,
      )
      .run(open ? 1 : 0, boolInt(present), ts, open ? 1 : 0, ref.device, ref.compartment);
  }

  setPresence(ref: CompartmentRef, present: boolean | undefined): void {
    if (present === undefined) return;
    this.db
      .prepare("UPDATE locker_compartments SET present = ? WHERE device = ? AND compartment = ?")
      .run(present ? 1 : 0, ref.device, ref.compartment);
  }

  leftOpenDue(openedBefore: number): CompartmentRow[] {
    return this.db
      .prepare(
        `SELECT * FROM locker_compartments WHERE door_open = 1 AND left_open_reported = 0 AND door_changed_at <= ?
         ORDER BY device, position`,
      )
      .all(openedBefore) as CompartmentRow[];
  }

  markLeftOpenReported(ref: CompartmentRef): void {
    this.db
      .prepare("UPDATE locker_compartments SET left_open_reported = 1 WHERE device = ? AND compartment = ?")
      .run(ref.device, ref.compartment);
  }

  /** Record a pulse about to be sent (pending until the door opens or the timeout). */
  setPulse(ref: CompartmentRef, at: number, intent: PulseIntent, pending: boolean): void {
    this.db
      .prepare(
        `UPDATE locker_compartments SET pulse_pending = ?, pulse_at = ?, pulse_purpose = ?, pulse_parcel = ?,
           pulse_terminal = ?, pulse_command = ? WHERE device = ? AND compartment = ?`,
      )
      .run(
        pending ? 1 : 0,
        at,
        intent.purpose,
        intent.parcelId ?? null,
        intent.terminal ?? null,
        intent.commandId ?? null,
        ref.device,
        ref.compartment,
      );
  }

  clearPulsePending(ref: CompartmentRef): void {
    this.db
      .prepare("UPDATE locker_compartments SET pulse_pending = 0 WHERE device = ? AND compartment = ?")
      .run(ref.device, ref.compartment);
  }

  /** Pending pulses older than the cut-off, on boards that answer (a door not seen is no jam). */
  pulsesDue(pulsedBefore: number): CompartmentRow[] {
    return this.db
      .prepare(
        "SELECT * FROM locker_compartments WHERE pulse_pending = 1 AND reachable = 1 AND pulse_at <= ? ORDER BY pulse_at",
      )
      .all(pulsedBefore) as CompartmentRow[];
  }

  setOutOfService(ref: CompartmentRef, reason: OutOfServiceReason, note: string | null, now: number): void {
    this.db
      .prepare(
        `UPDATE locker_compartments SET oos_reason = ?, oos_note = ?, oos_since = ? WHERE device = ? AND compartment = ?`,
      )
      .run(reason, note, now, ref.device, ref.compartment);
    this.refresh(ref, now);
  }

  clearOutOfService(ref: CompartmentRef, now: number): void {
    this.db
      .prepare(
        "UPDATE locker_compartments SET oos_reason = NULL, oos_note = NULL, oos_since = NULL WHERE device = ? AND compartment = ?",
      )
      .run(ref.device, ref.compartment);
    this.refresh(ref, now);
  }

  /**
   * A board became (un)reachable: its compartments follow; without board numbers in the layout,
   * all of the device's board-less compartments do. Returns the number of compartments changed.
   */
  setReachability(device: string, board: string, reachable: boolean, now: number): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO locker_boards (device, board, reachable, changed_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (device, board) DO UPDATE SET reachable = excluded.reachable, changed_at = excluded.changed_at`,
        )
        .run(device, board, reachable ? 1 : 0, now);
      const byBoard = this.db
        .prepare(
          "UPDATE locker_compartments SET reachable = ? WHERE device = ? AND board = ? AND reachable != ?",
        )
        .run(reachable ? 1 : 0, device, board, reachable ? 1 : 0).changes;
      const hasBoards = this.db
        .prepare("SELECT 1 FROM locker_compartments WHERE device = ? AND board IS NOT NULL LIMIT 1")
        .get(device);
      if (hasBoards) return byBoard;
      // Board-less layout: the device is reachable when none of its boards is known unreachable.
      const anyDown = this.db
        .prepare("SELECT 1 FROM locker_boards WHERE device = ? AND reachable = 0 LIMIT 1")
        .get(device);
      const r = anyDown ? 0 : 1;
      return this.db
        .prepare(
          "UPDATE locker_compartments SET reachable = ? WHERE device = ? AND board IS NULL AND reachable != ?",
        )
        .run(r, device, r).changes;
    })();
  }

  unreachableBoards(device: string): string[] {
    return (
      this.db
        .prepare("SELECT board FROM locker_boards WHERE device = ? AND reachable = 0 ORDER BY board")
        .all(device) as { board: string }[]
    ).map((r) => r.board);
  }
}

function boolInt(v: boolean | undefined): number | null {
  return v === undefined ? null : v ? 1 : 0;
}
