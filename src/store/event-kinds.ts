import type { Db } from "./db.js";

/** What one `event_kinds.kind` stands for. */
export interface EventKind {
  gw: string;
  device: string;
  type: string;
}

/**
 * The `event_kinds` dictionary (core schema 3): each (gateway id, device id, event type) triple
 * an event was accepted under gets a small integer, and an outbox row stores that (1 or 2 bytes)
 * instead of the three strings. Rows are added, never changed or deleted (a few hundred at most:
 * devices × their event types).
 *
 * Kept in memory both ways. A kind is added inside the caller's transaction (ingest's group
 * commit); if that transaction rolls back (a full disk), the kind is gone from the table, so kinds
 * added since the last call are checked again on the next `kindOf` and forgotten if missing.
 */
export class EventKinds {
  private readonly byKey = new Map<string, number>();
  private readonly byKind = new Map<number, EventKind>();
  private unconfirmed: number[] = [];
  private loaded = false;

  constructor(private readonly db: Db) {}

  private load(): void {
    for (const r of this.db.prepare("SELECT kind, gw, device, type FROM event_kinds").all() as (EventKind & {
      kind: number;
    })[]) {
      this.byKey.set(key(r.gw, r.device, r.type), r.kind);
      this.byKind.set(r.kind, { gw: r.gw, device: r.device, type: r.type });
    }
    this.loaded = true;
  }

  /** Forget kinds added by a transaction that did not commit. */
  private confirm(): void {
    const get = this.db.prepare("SELECT gw, device, type FROM event_kinds WHERE kind = ?");
    for (const k of this.unconfirmed) {
      const row = get.get(k) as EventKind | undefined;
      const mine = this.byKind.get(k);
      if (row && mine && row.gw === mine.gw && row.device === mine.device && row.type === mine.type) continue;
      if (mine) this.byKey.delete(key(mine.gw, mine.device, mine.type));
      this.byKind.delete(k);
    }
    this.unconfirmed = [];
  }

  /** Call before a batch of `kindOf` in a new transaction (checks the previous one's additions). */
  begin(): void {
    if (!this.loaded) this.load();
    if (this.unconfirmed.length > 0) this.confirm();
  }

  /** The kind of (gw, device, type), added to the table (in the current transaction) if new. */
  kindOf(gw: string, device: string, type: string): number {
    const k = key(gw, device, type);
    const known = this.byKey.get(k);
    if (known !== undefined) return known;
    const kind = this.db
      .prepare("INSERT INTO event_kinds (gw, device, type) VALUES (?, ?, ?) RETURNING kind")
      .pluck()
      .get(gw, device, type) as number;
    this.byKey.set(k, kind);
    this.byKind.set(kind, { gw, device, type });
    this.unconfirmed.push(kind);
    return kind;
  }

  /** What `kind` stands for. Throws if the table has no such kind (a damaged store). */
  describe(kind: number): EventKind {
    if (!this.loaded) this.load();
    let d = this.byKind.get(kind);
    if (d === undefined) {
      d = this.db.prepare("SELECT gw, device, type FROM event_kinds WHERE kind = ?").get(kind) as
        | EventKind
        | undefined;
      if (d === undefined) throw new Error(`event kind ${kind} is missing from event_kinds`);
      this.byKind.set(kind, d);
      this.byKey.set(key(d.gw, d.device, d.type), kind);
    }
    return d;
  }
}

const key = (gw: string, device: string, type: string) => `${gw}\u0000${device}\u0000${type}`;
