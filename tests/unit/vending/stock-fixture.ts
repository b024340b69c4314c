/** A planogram over a real SQLite store, the mdb helper's VendingRecorder and an event store. */
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { PlanogramConfig } from "../../../src/config/planogram.js";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { type DexFetcher, VendingAudit } from "../../../src/domain/vending/audit.js";
import { Planogram } from "../../../src/domain/vending/planogram.js";
import { VendingRecorder } from "../../../src/domain/vending/recorder.js";
import { migrateVending } from "../../../src/domain/vending/schema.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";
import { type TempDb, useTempDb } from "../../helpers/temp-db.js";

export const PLANOGRAM: PlanogramConfig = {
  lowStockAt: 2,
  machines: [
    {
      device: "vm-1",
      slots: [
        { slot: 1, product: "water-550", name: "Mineral water 550ml", price: 200, capacity: 10 },
        { slot: 2, product: "tea-500", name: "Green tea 500ml", price: 350, capacity: 8, count: 3 },
        { slot: 3, product: "cola-330", price: 300, capacity: 6, count: 1, lowAt: 0 },
        { slot: 12, product: "noodles", price: 600, capacity: 5, dexProduct: "6" },
      ],
    },
  ],
};

export interface StockFixture {
  t: TempDb;
  sink: SqliteEventSink;
  clock: ManualClock;
  recorder: VendingRecorder;
  planogram: Planogram;
  /** record one completed vend through the recorder (the stock hook runs inside it) */
  sell(slot: number, payment?: "cash" | "cashless", device?: string): Promise<void>;
  build(config?: PlanogramConfig): Planogram;
}

export function useStock(config: PlanogramConfig = PLANOGRAM): StockFixture {
  const t = useTempDb();
  const f = { t } as StockFixture;
  beforeEach(() => {
    migrateVending(t.db);
    f.sink = new SqliteEventSink(join(t.dir, "events.sqlite"));
    f.clock = new ManualClock();
    f.recorder = new VendingRecorder(t.db, f.sink, f.clock, silentLogger());
    f.build = (c = config) => {
      const p = new Planogram({
        db: t.db,
        recorder: f.recorder,
        config: c,
        log: silentLogger(),
        now: () => f.clock.now(),
      });
      f.recorder.onSale(p.onSale);
      return p;
    };
    f.planogram = f.build();
    f.sell = async (slot, payment = "cashless", device = "vm-1") => {
      const s = f.planogram.slot(device, slot);
      const { durable } = f.recorder.commit((tx) =>
        tx.sale(
          {
            device,
            slot,
            product: s?.product ?? null,
            price: s?.price ?? 100,
            payment,
            paymentRef: payment === "cash" ? null : `pay-${slot}`,
            offline: false,
          },
          payment === "cash" ? "vend.cash_sale" : "vend.completed",
          { slot },
        ),
      );
      await durable;
    };
  });
  afterEach(() => f.sink.close());
  return f;
}

/** The DEX audit over the fixture's store, recorder and planogram (clock synced; `fetcher` optional). */
export function auditOf(f: StockFixture, fetcher?: DexFetcher): VendingAudit {
  return new VendingAudit({
    db: f.t.db,
    recorder: f.recorder,
    planogram: f.planogram,
    log: silentLogger(),
    clockSynced: () => true,
    fetcher,
  });
}
