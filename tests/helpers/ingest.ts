import { Registry } from "prom-client";
import { ManualClock } from "../../src/core/clock.js";
import { type CommittedRow, Ingest, type IngestOptions } from "../../src/pipeline/ingest.js";
import type { Db } from "../../src/store/db.js";
import { Outbox } from "../../src/store/outbox.js";

/**
 * An Ingest over `db` for unit tests: gateway "gw-t", a ManualClock at 2026-11-27T08:15:02.113Z
 * (unless `o.clock`), its own metrics registry; each commit's rows pushed to `committed`.
 */
export function testIngest(db: Db, committed: CommittedRow[][], o: Partial<IngestOptions> = {}): Ingest {
  return new Ingest({
    db,
    outbox: new Outbox(db),
    gatewayId: "gw-t",
    clock: new ManualClock(Date.parse("2026-11-27T08:15:02.113Z")),
    registry: new Registry(),
    onCommitted: (rows) => committed.push(rows),
    ...o,
  });
}
