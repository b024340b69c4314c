import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Db, openDatabase } from "../../src/store/db.js";
import { WalSync, type WalSyncOptions } from "../../src/store/wal-sync.js";
import { tempDir } from "./gateway.js";
import { HeldSync } from "./held-sync.js";

/** One turn of the event loop: a sync asked for has started by then (it starts once the asking code returns). */
export const turn = () => new Promise<void>((r) => setImmediate(r));

/** A WalSync on a real database in WAL mode (synchronous=NORMAL), its fdatasync held by the test. */
export interface HeldWalSync {
  dir: string;
  db: Db;
  sync: HeldSync;
  ws: WalSync;
}

/** Opens one in a temp dir; `o` adds to the WalSync's options (no idle sync). */
export function openHeldWalSync(o: Partial<WalSyncOptions> = {}): HeldWalSync {
  const dir = tempDir();
  const db = openDatabase({ dataDir: dir, background: true });
  const sync = new HeldSync();
  sync.holding = true;
  const ws = new WalSync({ db, dbFile: join(dir, "quarterhour.db"), sync: sync.fn, idleMs: 0, ...o });
  return { dir, db, sync, ws };
}

/** Lets the held syncs go, closes everything and removes the temp dir. */
export function closeHeldWalSync(t: HeldWalSync): void {
  t.sync.holding = false;
  t.sync.release();
  t.ws.close();
  t.db.close();
  rmSync(t.dir, { recursive: true, force: true });
}

/** A commit: one row of `meta` written (inserted or replaced). */
export function writeMeta(db: Db, v: string): void {
  db.prepare(
    "INSERT INTO meta (key, value) VALUES ('t', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  ).run(v);
}
