/**
 * A vending event the event store refused does not wait for the next restart: the recorder sends
 * its outbox again on a timer once the store recovers, and while it waits the vertical reports it
 * (problems(), hence /health).
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { VendingRecorder } from "../../../src/domain/vending/recorder.js";
import { migrateVending } from "../../../src/domain/vending/schema.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";
import { useTempDb } from "../../helpers/temp-db.js";

describe("the vending outbox is flushed while the gateway runs", () => {
  const t = useTempDb();
  let sink: SqliteEventSink;
  let rec: VendingRecorder;

  beforeEach(() => {
    migrateVending(t.db);
    sink = new SqliteEventSink(join(t.dir, "events.sqlite"));
    rec = new VendingRecorder(t.db, sink, new ManualClock(), silentLogger());
  });
  afterEach(async () => {
    await rec.stopFlushing();
    sink.close();
  });

  it("a refused vend.failed is delivered once the store recovers; problems() says so meanwhile", async () => {
    rec.startFlushing(20);
    sink.refuse();
    const { durable } = rec.commit((tx) =>
      tx.emit("vm-1", "vend.failed", { requestId: "r-1", refundNeeded: true }),
    );
    await expect(durable).rejects.toMatchObject({ code: "QH_STORE_FULL" });
    expect(rec.problems()).toEqual([expect.stringContaining("1 waiting in the outbox")]);
    await new Promise((ok) => setTimeout(ok, 80)); // flushes keep being refused
    expect(rec.pendingCount()).toBe(1);
    sink.accept();
    const end = Date.now() + 3000;
    while (rec.pendingCount() > 0 && Date.now() < end) await new Promise((ok) => setTimeout(ok, 10));
    expect(rec.pendingCount()).toBe(0);
    expect(sink.events("vend.failed")).toHaveLength(1);
    expect(rec.problems()).toEqual([]);
  });
});
