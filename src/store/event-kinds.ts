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
 *
 * A kind number is never given twice, even after the table was damaged and recovered without some
 * of its rows: a new kind is numbered above every kind the table, its second copy in `meta`
 * (`event_kind.<n>`, see mirrorEventKinds) and the events themselves (also those set aside by
 * `store recover` in `events_stranded`) refer to. Reusing a lost number would send old events
 * upstream under another device and type. `describe` falls back on the second copy.
 */
export class EventKinds {
  /**
   * gw → device → type → the kind new events take: one in the table (loaded, added, or described
   * from it), never one known only from its copy in `meta`. Looked up per event without a key string.
   */
  private readonly byKey = new Map<string, Map<string, Map<string, number>>>();
  /** gw → device → every type known for it (the per-device limit), kinds from the copy included */
  private readonly seen = new Map<string, Map<string, Set<string>>>();
  private readonly byKind = new Map<number, EventKind>();
  private unconfirmed: number[] = [];
  private loaded = false;
  /** the next new kind's number, found when the first new kind is added (see nextKind) */
  private next: number | undefined;

  constructor(private readonly db: Db) {}

  private load(): void {
    for (const r of this.db.prepare("SELECT kind, gw, device, type FROM event_kinds").all() as (EventKind & {
      kind: number;
    })[]) {
      this.learn(r.kind, { gw: r.gw, device: r.device, type: r.type }, true);
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
      if (mine) this.forget(mine, k);
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
    const known = this.byKey.get(gw)?.get(device)?.get(type);
    if (known !== undefined) return known;
    const kind = this.nextKind();
    this.db
      .prepare("INSERT INTO event_kinds (kind, gw, device, type) VALUES (?, ?, ?, ?)")
      .run(kind, gw, device, type);
    this.db
      .prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
      .run(`${COPY_PREFIX}${kind}`, JSON.stringify({ gw, device, type }));
    this.next = kind + 1;
    this.learn(kind, { gw, device, type }, true);
    this.unconfirmed.push(kind);
    return kind;
  }

  /**
   * Whether `device` may use `type`: a type it used before, or fewer than `max` types so far.
   * @param max the most distinct types (MAX_EVENT_TYPES_PER_DEVICE less those still uncommitted)
   */
  allows(gw: string, device: string, type: string, max: number): boolean {
    if (!this.loaded) this.load();
    const types = this.seen.get(gw)?.get(device);
    if (types === undefined) return max > 0;
    return types.has(type) || types.size < max;
  }

  /** Whether `device` has used `type` before (it counts against its limit already). */
  knows(gw: string, device: string, type: string): boolean {
    if (!this.loaded) this.load();
    return this.seen.get(gw)?.get(device)?.has(type) === true;
  }

  /** Record that `kind` is `k`; `usable`: it is in the table, so new events may take it. */
  private learn(kind: number, k: EventKind, usable: boolean): void {
    this.byKind.set(kind, k);
    childOf(
      childOf(this.seen, k.gw, () => new Map()),
      k.device,
      () => new Set<string>(),
    ).add(k.type);
    if (!usable) return;
    const byType = childOf(
      childOf(this.byKey, k.gw, () => new Map()),
      k.device,
      () => new Map<string, number>(),
    );
    if (!byType.has(k.type)) byType.set(k.type, kind);
  }

  /**
   * Forget that `k` is `kind` (its transaction rolled back; the caller drops it from `byKind`). The
   * type still counts for the device while another kind is known for it (an old event's, described
   * from the copy in `meta` on a damaged store). Rare: after a failed commit only.
   */
  private forget(k: EventKind, kind: number): void {
    const byType = this.byKey.get(k.gw)?.get(k.device);
    if (byType?.get(k.type) === kind) byType.delete(k.type);
    for (const [other, o] of this.byKind)
      if (other !== kind && o.gw === k.gw && o.device === k.device && o.type === k.type) return;
    const devices = this.seen.get(k.gw);
    const types = devices?.get(k.device);
    if (!types?.delete(k.type) || types.size > 0) return;
    devices!.delete(k.device);
    if (devices!.size === 0) this.seen.delete(k.gw);
  }

  /** Above every kind number in use or once used (one scan of the outbox, once per process). */
  private nextKind(): number {
    if (this.next === undefined) this.next = highestKind(this.db) + 1;
    return this.next;
  }

  /**
   * What `kind` stands for, from the table or else its second copy in `meta`. Throws if neither
   * has it (a damaged store: `store recover` sets such events aside).
   */
  describe(kind: number): EventKind {
    if (!this.loaded) this.load();
    let d = this.byKind.get(kind);
    if (d === undefined) {
      d = this.db.prepare("SELECT gw, device, type FROM event_kinds WHERE kind = ?").get(kind) as
        | EventKind
        | undefined;
      const fromTable = d !== undefined;
      d ??= copyOf(this.db, kind);
      if (d === undefined) throw new Error(`event kind ${kind} is missing from event_kinds`);
      // a kind known only from its copy counts for the limit; new events never take it (rows of
      // a kind missing from the table escape the views and the scrub): they get one in the table
      this.learn(kind, d, fromTable);
    }
    return d;
  }
}

/** The value under `key`, made and entered first when there is none. */
function childOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/** `meta` keys of the second copy of `event_kinds`: `event_kind.<kind>` → {"gw","device","type"}. */
export const COPY_PREFIX = "event_kind.";

function copyOf(db: Db, kind: number): EventKind | undefined {
  const v = db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(`${COPY_PREFIX}${kind}`) as
    | string
    | undefined;
  if (v === undefined) return undefined;
  try {
    const o = JSON.parse(v) as EventKind;
    if (typeof o.gw === "string" && typeof o.device === "string" && typeof o.type === "string")
      return { gw: o.gw, device: o.device, type: o.type };
  } catch {
    // a damaged copy: as if missing
  }
  return undefined;
}

const tableExists = (db: Db, name: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/**
 * The highest kind number the store refers to anywhere: `event_kinds`, its copy in `meta`, the
 * events (a scan of the outbox) and the events `store recover` set aside. 0 for none.
 */
export function highestKind(db: Db): number {
  const max = (sql: string): number => Number(db.prepare(sql).pluck().get() ?? 0) || 0;
  let high = max("SELECT max(kind) FROM event_kinds");
  high = Math.max(
    high,
    max(
      `SELECT max(CAST(substr(key, ${COPY_PREFIX.length + 1}) AS INTEGER)) FROM meta WHERE key LIKE '${COPY_PREFIX}%'`,
    ),
  );
  high = Math.max(high, max("SELECT max(kind) FROM events"));
  if (tableExists(db, "events_stranded")) high = Math.max(high, max("SELECT max(kind) FROM events_stranded"));
  return high;
}

/**
 * Write the second copy of every `event_kinds` row into `meta` (rows added since the copy was
 * made, or by a store made before it): one statement, nothing written when all are there.
 * A no-op before core schema 3.
 */
export function mirrorEventKinds(db: Db): void {
  if (!tableExists(db, "event_kinds") || !tableExists(db, "meta")) return;
  db.prepare(
    `INSERT OR IGNORE INTO meta (key, value)
       SELECT '${COPY_PREFIX}' || kind, json_object('gw', gw, 'device', device, 'type', type) FROM event_kinds`,
  ).run();
}
