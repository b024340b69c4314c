import { dbFile, openDatabase } from "../store/db.js";
import { Outbox } from "../store/outbox.js";
import { readConfig } from "./common.js";

export function outboxStats(opts: { config: string; dataDir?: string; json?: boolean }): void {
  const config = readConfig(opts);
  const db = openDatabase({ dataDir: config.dataDir, synchronous: config.store.synchronous });
  let s: ReturnType<Outbox["stats"]>;
  try {
    s = new Outbox(db).stats(dbFile(config.dataDir));
  } finally {
    db.close();
  }
  const ageS =
    s.oldestPendingTs === null ? null : Math.max(0, Math.round((Date.now() - s.oldestPendingTs) / 1000));
  const out = {
    pending: s.pending,
    delivered: s.delivered,
    oldestPendingAgeSeconds: ageS,
    lastSeq: s.lastSeq,
    bytesOnDisk: s.bytesOnDisk,
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  process.stdout.write(
    `pending: ${out.pending}\ndelivered (retained): ${out.delivered}\noldest pending age: ${
      ageS === null ? "-" : `${ageS} s`
    }\nlast seq: ${out.lastSeq}\nbytes on disk: ${out.bytesOnDisk}\n`,
  );
}
