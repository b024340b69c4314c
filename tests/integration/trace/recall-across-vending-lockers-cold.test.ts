/**
 * A recall across vending, lockers and cold zones on a real SQLite file, through the command
 * router (signature-free lab router, real ledger): `trace.recall` blocks at once, with no uplink
 * at all, every vending slot holding the lot (cashless sale denied) and every parcel holding it
 * (the resident's pickup refused), answers where it went (vends with time and machine, parcels
 * and whether they were collected, the cold-chain readings and breaches of the zone they were
 * kept in), is idempotent by command id, and still blocks after the store is reopened.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { isQhError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { TemperatureRecord } from "../../../src/domain/cold/record.js";
import { migrateCold } from "../../../src/domain/cold/schema.js";
import { migrateLocker } from "../../../src/domain/locker/schema.js";
import { encodeGs1 } from "../../../src/domain/trace/gs1.js";
import { TraceLots } from "../../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../../src/domain/trace/outbox.js";
import { TraceService } from "../../../src/domain/trace/service.js";
import { insertSale } from "../../../src/domain/vending/sales.js";
import { migrateVending } from "../../../src/domain/vending/schema.js";
import { type Db, openDatabase } from "../../../src/store/db.js";
import { contractValidators } from "../../helpers/contract.js";
import { tempDir } from "../../helpers/gateway.js";
import { routerOver } from "../../helpers/router.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

const GTIN = "04012345678901";
const LOT = "FISH-77";
const T0 = Date.parse("2026-03-01T06:00:00.000Z");
const ZONES = [{ id: "chilled", compartments: ["cold-a/C01", "cold-a/C02"] }];

function site(db: Db, sink: SqliteEventSink, clock: ManualClock) {
  const log = silentLogger();
  const outbox = new TraceOutbox(db, sink, clock, log);
  const lots = new TraceLots({ db, outbox, clock, log, timeZone: "UTC" });
  const service = new TraceService({ lots, outbox, zones: ZONES });
  return { lots, outbox, service, router: routerOver(db, clock, service.commands()) };
}

function parcel(db: Db, id: string, compartment: string, state: string, closedAt: number | null) {
  db.prepare(
    `INSERT INTO locker_parcels (id, kind, barcode, device, compartment, size, state, created_at, deposited_at, closed_at, updated_at)
     VALUES (?, 'delivery', ?, 'cold-a', ?, 'M', ?, ?, ?, ?, ?)`,
  ).run(id, `PKG-${id}`, compartment, state, T0, T0, closedAt, T0);
}

describe("trace.recall across vending, lockers and cold zones", () => {
  let dir: string;
  let db: Db;
  let sink: SqliteEventSink;
  let clock: ManualClock;

  beforeEach(() => {
    dir = tempDir("qh-trace-");
    db = openDatabase({ dataDir: dir });
    for (const m of [migrateVending, migrateLocker, migrateCold]) m(db);
    sink = new SqliteEventSink(join(dir, "events.sqlite"));
    clock = new ManualClock(T0);
  });
  afterEach(() => {
    db.close();
    sink.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("blocks every slot and parcel holding the lot at once, answers where it went, runs once", async () => {
    const s = site(db, sink, clock);
    const code = encodeGs1(
      [
        { ai: "01", value: GTIN },
        { ai: "10", value: LOT },
        { ai: "17", value: "260331" },
      ],
      { symbology: "]d2" },
    );
    // a vending slot loaded with the lot, and an earlier sale that is not the lot's
    const sale = (id: string, slot: number, ts: number) =>
      insertSale(db, {
        id,
        device: "vm-a",
        slot,
        product: "fish",
        price: 900,
        payment: "cashless",
        paymentRef: null,
        offline: false,
        ts,
        clockUnsynced: false,
      });
    sale("before-load", 3, T0 - 60_000);
    s.outbox.commit((tx) => s.lots.loadSlot(tx, "vm-a", 3, s.lots.scan(code), 5, "ops"));
    clock.advance(3_600_000);
    sale("s1", 3, clock.now());
    sale("other-slot", 4, clock.now());
    clock.advance(3_600_000);
    sale("s2", 3, clock.now());
    // three parcels in the cold zone: two with the lot (one collected), one with another lot
    parcel(db, "p-in", "C01", "stored", null);
    parcel(db, "p-gone", "C02", "picked_up", T0 + 7_200_000);
    parcel(db, "p-other", "C02", "stored", null);
    await s.lots.loadParcel(
      { id: "p-in", device: "cold-a", compartment: "C01" },
      s.lots.scan(code),
      "kiosk-1",
    );
    await s.lots.loadParcel(
      { id: "p-gone", device: "cold-a", compartment: "C02" },
      s.lots.scan(code),
      "kiosk-1",
    );
    const otherLot = encodeGs1([
      { ai: "01", value: GTIN },
      { ai: "10", value: "FISH-78" },
    ]);
    await s.lots.loadParcel(
      { id: "p-other", device: "cold-a", compartment: "C02" },
      s.lots.scan(otherLot),
      "k",
    );
    // the zone's record: a reading every 30 s over the stays, one of them out of range
    const record = new TemperatureRecord(db);
    for (let t = T0; t <= clock.now(); t += 30_000)
      record.append(
        "chilled",
        { ts: t, temperatureC: t === T0 + 600_000 ? 9.5 : 3.1, quality: "ok", clockUnsynced: false },
        30,
      );
    db.prepare(
      "INSERT INTO cold_breaches (parcel_id, alarm_id, zone, device, compartment, start_at, end_at, peak_c, minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run("p-in", "alarm-1", "chilled", "cold-a", "C01", T0 + 540_000, T0 + 660_000, 9.5, 2);
    expect(s.lots.slotBlock("vm-a", 3)).toBeUndefined();
    expect(s.lots.pickupRefusal("p-in")).toBeUndefined();

    const r = await s.router.send("trace.recall", {
      id: "recall-1",
      args: { gtin: GTIN, lot: LOT, reason: "listeria" },
    });
    expect(r.status).toBe("ok");
    // biome-ignore lint/suspicious/noExplicitAny: the answer's shape is what the assertions check
    const res = r.result as Record<string, any>;
    expect(res.alreadyRecalled).toBe(false);
    expect(res.blocked).toEqual({
      slots: [{ device: "vm-a", slot: 3, quantity: 5 }],
      parcels: [{ parcelId: "p-in", device: "cold-a", compartment: "C01", state: "stored" }],
      bundles: [], // a site without distribution rounds: none
    });
    // where it went
    expect(res.trace.recalled).toMatchObject({ recallId: "recall-1", reason: "listeria" });
    expect(res.trace.vends.map((v: { saleId: string }) => v.saleId)).toEqual(["s1", "s2"]);
    expect(res.trace.vends[0]).toMatchObject({
      device: "vm-a",
      slot: 3,
      at: new Date(T0 + 3_600_000).toISOString(),
      certain: true,
    });
    expect(res.trace.parcels).toEqual([
      expect.objectContaining({ parcelId: "p-in", compartment: "C01", collected: false, collectedAt: null }),
      expect.objectContaining({
        parcelId: "p-gone",
        collected: true,
        collectedAt: new Date(T0 + 7_200_000).toISOString(),
      }),
    ]);
    const cold = res.trace.coldChain as Record<string, unknown>[];
    expect(cold.map((c) => [c.parcelId, c.zone])).toEqual([
      ["p-in", "chilled"],
      ["p-gone", "chilled"],
    ]);
    expect(cold[1]).toMatchObject({ readings: 241, minC: 3.1, maxC: 9.5, gaps: 0 });
    expect(cold[0]?.breaches).toEqual([
      expect.objectContaining({ alarmId: "alarm-1", peakC: 9.5, minutesOutOfRange: 2 }),
    ]);

    // blocked at once: the vend and the pickup checks read the recall
    expect(s.lots.slotBlock("vm-a", 3)).toMatchObject({
      reason: "lot_recalled",
      lot: { gtin: GTIN, lot: LOT },
    });
    expect(s.lots.slotBlock("vm-a", 4)).toBeUndefined();
    expect(s.lots.pickupRefusal("p-in")?.code).toBe("QH_TRACE_LOT_RECALLED");
    expect(s.lots.pickupRefusal("p-other")).toBeUndefined();
    const events = sink.events().map((e) => [e.type, e.device]);
    expect(events.filter(([t]) => t?.endsWith(".recalled"))).toEqual([
      ["stock.recalled", "vm-a"],
      ["parcel.recalled", "cold-a"],
    ]);
    // every event with a data schema of its own matches it (docs/contract/v1/event.{type}.schema.json)
    const validators = contractValidators();
    for (const e of sink.events()) {
      const validate = validators.get(`event.${e.type}`);
      if (validate) expect(validate(e.data), `${e.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(sink.events().filter((e) => validators.has(`event.${e.type}`)).length).toBeGreaterThanOrEqual(2);

    // the same command id again: answered from the ledger, not run twice; another id: no new events
    const again = await s.router.send("trace.recall", { id: "recall-1", args: { gtin: GTIN, lot: LOT } });
    expect(again.status).toBe("duplicate");
    const second = await s.router.send("trace.recall", { id: "recall-2", args: { gtin: GTIN, lot: LOT } });
    expect(second.result).toMatchObject({ alreadyRecalled: true, recallId: "recall-1" });
    expect(sink.events().filter((e) => e.type.endsWith(".recalled"))).toHaveLength(2);

    // a recalled lot is not loaded again
    let refused: unknown;
    try {
      s.lots.scan(code);
    } catch (err) {
      refused = err;
    }
    expect(isQhError(refused, "QH_TRACE_LOT_RECALLED")).toBe(true);

    // after a restart (the store reopened), the blocks hold
    db.close();
    db = openDatabase({ dataDir: dir });
    const s2 = site(db, sink, clock);
    expect(s2.lots.slotBlock("vm-a", 3)?.reason).toBe("lot_recalled");
    expect(s2.lots.pickupRefusal("p-in")?.code).toBe("QH_TRACE_LOT_RECALLED");
  });

  it("refuses malformed args naming every problem, before anything is recorded", async () => {
    const s = site(db, sink, clock);
    const r = await s.router.send("trace.recall", { args: { gtin: "123", lot: "has space", lots: 1 } });
    expect(r).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    expect(r.error?.message).toMatch(/args\.lots: unknown argument/);
    expect(r.error?.message).toMatch(/args\.gtin: /);
    expect(r.error?.message).toMatch(/args\.lot: /);
    expect(db.prepare("SELECT count(*) FROM trace_recalls").pluck().get()).toBe(0);
    const t = await s.router.send("trace.lot", { args: { gtin: GTIN, lot: "NEVER-SEEN" } });
    expect(t).toMatchObject({ status: "ok", result: { loads: [], vends: [], parcels: [], recalled: null } });
  });
});
