/**
 * The sales record the DEX reconciliation reads: a sale row exists exactly when its event was
 * committed with it, gets the event's seq once the event store has it, survives a refusing event
 * store, and a failing stock hook never loses it.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { VendingRecorder } from "../../../src/domain/vending/recorder.js";
import { listSales, salesTotals } from "../../../src/domain/vending/sales.js";
import { migrateVending } from "../../../src/domain/vending/schema.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";
import { useTempDb } from "../../helpers/temp-db.js";

describe("vending_sales", () => {
  const t = useTempDb();
  let sink: SqliteEventSink;
  let clock: ManualClock;
  let rec: VendingRecorder;

  beforeEach(() => {
    migrateVending(t.db);
    sink = new SqliteEventSink(join(t.dir, "events.sqlite"));
    clock = new ManualClock();
    rec = new VendingRecorder(t.db, sink, clock, silentLogger());
  });
  afterEach(() => sink.close());

  const cashless = {
    device: "vm-1",
    slot: 12,
    product: "cola",
    price: 150,
    payment: "cashless",
    paymentRef: "pay-1",
    offline: false,
  } as const;

  it("is written with its event, and carries the event's seq once durable", async () => {
    const { result: sale, durable } = rec.commit((tx) => tx.sale(cashless, "vend.completed", { slot: 12 }));
    expect(listSales(t.db, "vm-1")).toEqual([{ ...sale, seq: null }]);
    await durable;
    const [ev] = sink.events("vend.completed");
    expect(ev?.data).toMatchObject({ slot: 12, saleId: sale.id });
    expect(listSales(t.db, "vm-1")[0]?.seq).toBe(ev?.seq);
    expect(rec.pendingCount()).toBe(0);
  });

  it("is rolled back with its transaction: no event, no sale", () => {
    expect(() =>
      rec.commit((tx) => {
        tx.sale(cashless, "vend.completed", {});
        throw new Error("the state change failed");
      }),
    ).toThrow("the state change failed");
    expect(listSales(t.db, "vm-1")).toEqual([]);
    expect(rec.pendingCount()).toBe(0);
  });

  it("keeps the sale and its event while the event store refuses, and sends it later", async () => {
    sink.refuse();
    const { durable } = rec.commit((tx) =>
      tx.sale({ ...cashless, payment: "cash", paymentRef: null, slot: 7, price: 120 }, "vend.cash_sale", {}),
    );
    await expect(durable).rejects.toThrow();
    expect(listSales(t.db, "vm-1")[0]).toMatchObject({ slot: 7, payment: "cash", seq: null });
    sink.accept();
    await rec.flush();
    expect(sink.types()).toEqual(["vend.cash_sale"]);
    expect(listSales(t.db, "vm-1")[0]?.seq).toBe(sink.events()[0]?.seq);
  });

  it("runs the stock hook inside the sale's transaction; a failing hook does not lose the sale", async () => {
    rec.onSale((sale, tx) => tx.emit(sale.device, "stock.low", { slot: sale.slot }));
    rec.onSale(() => {
      throw new Error("stock table broken");
    });
    const { durable } = rec.commit((tx) => tx.sale(cashless, "vend.completed", {}));
    await durable;
    expect(sink.types()).toEqual(["vend.completed", "stock.low"]);
    expect(salesTotals(t.db, "vm-1")).toEqual([{ slot: 12, payment: "cashless", vends: 1, value: 150 }]);
  });

  it("flags a sale made while the wall clock is not synchronised", async () => {
    clock.setSynced(false);
    const { durable } = rec.commit((tx) => tx.sale(cashless, "vend.completed", {}));
    await durable;
    expect(listSales(t.db, "vm-1")[0]?.clockUnsynced).toBe(true);
  });
});
