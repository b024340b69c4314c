import { existsSync } from "node:fs";
import { dbFile, openDatabase } from "../store/db.js";
import { assertStorePresent } from "../store/integrity.js";
import { Outbox } from "../store/outbox.js";
import { readConfig } from "./common.js";

/**
 * `quarterhour outbox stats`: read-only (never creates or migrates a store). A data dir where no
 * gateway ever ran shows zeros; one whose store is missing is QH_STORE_MISSING (exit 3).
 */
export function outboxStats(opts: { config: string; dataDir?: string; json?: boolean }): void {
  const config = readConfig(opts);
  let s: ReturnType<Outbox["stats"]>;
  let waiting: Record<string, number> = {};
  const fresh = existsSync(config.dataDir) ? !assertStorePresent(config.dataDir) : true;
  if (fresh && !existsSync(dbFile(config.dataDir))) {
    s = { pending: 0, delivered: 0, oldestPendingTs: null, lastSeq: 0, bytesOnDisk: 0 };
  } else {
    const db = openDatabase({ dataDir: config.dataDir, readonly: true });
    try {
      s = new Outbox(db).stats(dbFile(config.dataDir));
      waiting = verticalOutboxes(db);
    } finally {
      db.close();
    }
  }
  const ageS =
    s.oldestPendingTs === null ? null : Math.max(0, Math.round((Date.now() - s.oldestPendingTs) / 1000));
  const out = {
    pending: s.pending,
    delivered: s.delivered,
    oldestPendingAgeSeconds: ageS,
    lastSeq: s.lastSeq,
    bytesOnDisk: s.bytesOnDisk,
    // events a vertical committed with its state change, not yet taken by the event store
    waiting,
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  process.stdout.write(
    `pending: ${out.pending}\ndelivered (retained): ${out.delivered}\noldest pending age: ${
      ageS === null ? "-" : `${ageS} s`
    }\nlast seq: ${out.lastSeq}\nbytes on disk: ${out.bytesOnDisk}\n${Object.entries(waiting)
      .map(([t, n]) => `waiting in ${t}: ${n}\n`)
      .join("")}`,
  );
}

/** Rows in the verticals' own outboxes (locker_outbox, cold_outbox) that exist in this store. */
function verticalOutboxes(db: ReturnType<typeof openDatabase>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of ["locker_outbox", "cold_outbox"]) {
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) === undefined)
      continue;
    out[t] = db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  }
  return out;
}
