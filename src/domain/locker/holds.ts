/**
 * Compartments held by another vertical (issue 11's distribution rounds): what the locker lends a
 * vertical that puts its own items (a bundle of essentials) into compartments, without them being
 * parcels. A held compartment is `occupied` to the locker (no deposit, no reservation takes it,
 * src/domain/locker/compartments.ts counts the hold), its doors are pulsed through the locker's
 * door truth (a pulse recorded before it is sent, never repeated blindly, a jam after
 * doorOpenTimeoutSeconds) and the holder reacts to the doors inside the door's own transaction,
 * emitting its events through the locker's outbox (durable with the state change).
 *
 * The hold table has its own component in schema_version ("locker-holds"), so it never collides
 * with the locker's own migrations.
 */
import type Database from "better-sqlite3";
import type { QhError } from "../../core/errors.js";
import { type Migration, migrate } from "../../store/migrate.js";
import type { CodeHasher, PickupCodes } from "./codes.js";
import type { CompartmentRow, PulseIntent } from "./compartments.js";
import type { DoorReactor, DoorTruth, PulseOutcome } from "./doors.js";
import type { TerminalGuard } from "./lockout.js";
import type { Outcome } from "./outbox.js";
import type { CompartmentRef } from "./ports.js";
import type { LockerContext, LockerNotices, PickupResult, TerminalScope } from "./types.js";

export const HOLD_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "compartments held by another vertical",
    up: `
CREATE TABLE locker_holds (
  device TEXT NOT NULL,
  compartment TEXT NOT NULL,
  owner TEXT NOT NULL,
  item TEXT NOT NULL,
  since INTEGER NOT NULL,
  PRIMARY KEY (device, compartment)
) WITHOUT ROWID;
`,
  },
];

/** Creates the hold table (before the CompartmentStore prepares its statements, which read it). */
export function migrateHolds(db: Database.Database): number {
  return migrate(db, "locker-holds", HOLD_MIGRATIONS);
}

export interface HoldRow {
  device: string;
  compartment: string;
  owner: string;
  item: string;
  since: number;
}

/**
 * A resident's code that matched no parcel: another vertical's chance to take it (a bundle's
 * pickup code) before it counts as a wrong code. Returns undefined when it is not one of its codes.
 */
export type CodeFallback = (terminal: string, code: string) => Promise<PickupResult | undefined>;

/** What the locker lends a holder. One per LockerService (`service.holds`). */
export class LockerHolds {
  private readonly reactors: DoorReactor[] = [];

  constructor(
    private readonly ctx: LockerContext,
    private readonly doors: DoorTruth,
  ) {}

  /** The door reactor the locker registers: forwards every change to the holders. */
  readonly reactor: DoorReactor = {
    opened: (c) => {
      for (const r of this.reactors) r.opened?.(c);
    },
    closed: (c) => {
      for (const r of this.reactors) r.closed?.(c);
    },
    jammed: (c) => {
      for (const r of this.reactors) r.jammed?.(c);
    },
    filledUnseen: (c) => {
      let taken = false;
      for (const r of this.reactors) if (r.filledUnseen?.(c) === true) taken = true;
      return taken;
    },
  };

  /** A holder's reaction to door truth (inside the door's transaction: synchronous, SQLite only). */
  addReactor(r: DoorReactor): () => void {
    this.reactors.push(r);
    return () => {
      const i = this.reactors.indexOf(r);
      if (i >= 0) this.reactors.splice(i, 1);
    };
  }

  /** One transaction with the events it decides, through the locker's outbox (see Announcer.commit). */
  commit<T>(fn: (out: Outcome) => T): Promise<T> {
    return this.ctx.announcer.commit(fn);
  }

  /** Usable free compartments of at least `minRank`, smallest first (held ones are never free). */
  free(minRank: number, devices?: readonly string[], exclude?: ReadonlySet<string>): CompartmentRow[] {
    return this.ctx.compartments.free(minRank, devices, exclude);
  }

  /** Every compartment of the site in use (not retired), whatever its state, by bank and position. */
  list(): CompartmentRow[] {
    return this.ctx.compartments.list();
  }

  compartment(ref: CompartmentRef): CompartmentRow | undefined {
    return this.ctx.compartments.get(ref);
  }

  /** How many compartments the locker has (not retired): the bound on live parcel codes. */
  compartmentCount(): number {
    return this.ctx.compartments.list().length;
  }

  /** Hold a compartment for `item` (inside a commit). The compartment becomes `occupied`. */
  hold(out: Outcome, ref: CompartmentRef, owner: string, item: string): void {
    this.ctx.db
      .prepare(
        `INSERT INTO locker_holds (device, compartment, owner, item, since) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device, compartment) DO UPDATE SET owner = excluded.owner, item = excluded.item,
           since = excluded.since`,
      )
      .run(ref.device, ref.compartment, owner, item, out.now);
    this.ctx.compartments.refresh(ref, out.now);
  }

  /** Give the compartment back to the locker (inside a commit): it is free once nothing else holds it. */
  release(out: Outcome, ref: CompartmentRef): void {
    this.ctx.db
      .prepare("DELETE FROM locker_holds WHERE device = ? AND compartment = ?")
      .run(ref.device, ref.compartment);
    this.ctx.compartments.refresh(ref, out.now);
  }

  held(ref: CompartmentRef): HoldRow | undefined {
    return this.ctx.db
      .prepare("SELECT * FROM locker_holds WHERE device = ? AND compartment = ?")
      .get(ref.device, ref.compartment) as HoldRow | undefined;
  }

  /** Pulse a held compartment's lock through door truth (see DoorTruth.pulse: once, never blind). */
  pulse(ref: CompartmentRef, intent: PulseIntent): Promise<PulseOutcome> {
    return this.doors.pulse(ref, intent);
  }

  /** The cold-zone id of a compartment (the cold chain's gate), or undefined (ambient). */
  zoneOf(ref: CompartmentRef): string | undefined {
    return this.ctx.gate?.zoneOf(ref);
  }

  /** Why nothing may be put into `ref` now (a cold zone in alarm), or undefined. */
  refusal(ref: CompartmentRef): QhError | undefined {
    return this.ctx.gate?.refusal(ref);
  }

  /**
   * Tell the kiosk what the door of a held item collected with a resident's code does (the
   * locker's own `collect` notice, kind `pickup`, `parcelId` = the holder's item id): the kiosk's
   * door screen follows a bundle's door exactly as a parcel's.
   */
  collectNotice(
    terminal: string | null,
    item: string,
    ref: CompartmentRef,
    status: LockerNotices["collect"]["status"],
    bundle = false,
  ): void {
    this.ctx.notices.emit("collect", {
      kind: "pickup",
      terminal,
      parcelId: item,
      ...ref,
      status,
      ...(bundle ? { bundle: true } : {}),
    });
  }

  /** Installs the resident code fallback (a bundle's code); undefined removes it. */
  setCodeFallback(fallback: CodeFallback | undefined): void {
    this.ctx.codeFallback = fallback;
  }

  /**
   * Installs the check of the holder's live codes (a bundle's, by keyed hash): a code it still
   * honours is never issued to a parcel (the issuer draws again) nor registered for one
   * (QH_LOCKER_CODE_IN_USE); undefined removes it.
   */
  setCodeInUse(inUse: ((hash: Buffer) => boolean) | undefined): void {
    this.ctx.pickupCodes.inUseElsewhere = inUse;
  }

  /** The gateway database (the holder keeps its own tables in it, in the same transactions). */
  get db(): Database.Database {
    return this.ctx.db;
  }
  get guard(): TerminalGuard {
    return this.ctx.guard;
  }
  get hasher(): CodeHasher {
    return this.ctx.hasher;
  }
  get pickupCodes(): PickupCodes {
    return this.ctx.pickupCodes;
  }
  get terminals(): TerminalScope {
    return this.ctx.terminals;
  }
  get courierCodes(): LockerContext["courierCodes"] {
    return this.ctx.courierCodes;
  }
  get settings(): LockerContext["settings"] {
    return this.ctx.settings;
  }
}
