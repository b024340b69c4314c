/**
 * A lot read from a scan with no group separator that ran on into any AI after it (not only a
 * date: `10MILK0105` `21SN42` → lot MILK010521SN42, `10MILK0105` `3724` → MILK01053724) has
 * candidate lots (MILK0105…). By default the scan is refused as QH_GS1_SEPARATOR naming them;
 * under `trace.gs1.runOnLots: record` it is recorded with a warning and its candidates, and a
 * later `trace.recall` of a candidate blocks the slot, the parcel and the bundle holding it.
 * Also: (15) best before is a limit like (17) expiry, the earlier of the two counts.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { isQhError, type QhError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { TraceLots } from "../../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../../src/domain/trace/outbox.js";
import { TraceService } from "../../../src/domain/trace/service.js";
import { openDatabase } from "../../../src/store/db.js";
import { tempDir } from "../../helpers/gateway.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

const GTIN = "04012345678901";
const DROPPED_BEFORE_SERIAL = `]d201${GTIN}1726063010MILK010521SN42`;
const DROPPED_BEFORE_COUNT = `]C101${GTIN}10MILK01053724`;

async function rig(runOnLots?: "refuse" | "record"): Promise<VendingRig> {
  return startVendingGateway(
    { prices: { "3": 500 }, dispenseMs: 20 },
    {
      planogram: {
        machines: [
          { device: "vm-a", slots: [{ slot: 3, product: "milk-1l", price: 500, capacity: 12, count: 0 }] },
        ],
      },
      trace: { timeZone: "UTC", ...(runOnLots ? { gs1: { runOnLots } } : {}) },
      clock: { synchronized: "yes" },
    },
    { clock: new ManualClock(Date.parse("2026-01-01T08:00:00.000Z")) },
  );
}

function errorOf(body: Record<string, unknown>): { code?: string; details?: Record<string, unknown> } {
  return (body.error ?? body) as { code?: string; details?: Record<string, unknown> };
}

describe("a run-on lot swallowing any AI: candidates", () => {
  let r: VendingRig | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    await r?.stop();
    r = undefined;
    for (const c of cleanups.splice(0)) c();
  });

  it("is refused by default as QH_GS1_SEPARATOR naming the candidate lot", async () => {
    r = await rig();
    const res = await r.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: DROPPED_BEFORE_COUNT }],
    });
    expect(res.status).toBe(400);
    const e = errorOf(res.body);
    expect(e).toMatchObject({ code: "QH_GS1_SEPARATOR", details: { ai: "10", value: "MILK01053724" } });
    expect(e.details?.candidates).toContain("MILK0105");
  });

  it("under record: kept with a warning; a later recall of the candidate blocks the slot", async () => {
    r = await rig("record");
    const res = await r.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 4, scan: DROPPED_BEFORE_SERIAL }],
    });
    expect(res.status).toBe(200);
    expect((res.body.warnings as string[])[0]).toMatch(
      /^slot 3: \(10\) MILK010521SN42 ends like \(21\) SN42/,
    );
    const rc = await r.command("trace.recall", { gtin: GTIN, lot: "MILK0105", reason: "listeria" });
    expect(rc.status).toBe("ok");
    const result = rc.result as { alreadyRecalled: boolean; blocked: { slots: unknown[] } };
    expect(result.alreadyRecalled).toBe(false);
    expect(result.blocked.slots).toEqual([expect.objectContaining({ device: "vm-a", slot: 3, quantity: 4 })]);
    // the run-on lot itself reads as recalled too: a second load of it is refused
    const again = await r.api("POST", "/vending/vm-a/restock", {
      slots: [{ slot: 3, count: 8, scan: DROPPED_BEFORE_SERIAL }],
    });
    expect(errorOf(again.body)).toMatchObject({ code: "QH_TRACE_LOT_RECALLED" });
  });

  it("under record: a recall of a candidate blocks the slot, the parcel's pickup and the bundle", async () => {
    const dir = tempDir("qh-runon-");
    const db = openDatabase({ dataDir: dir });
    const sink = new SqliteEventSink(`${dir}/events.sqlite`);
    cleanups.push(() => {
      db.close();
      sink.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const clock = new ManualClock(Date.parse("2026-01-01T08:00:00.000Z"));
    const log = silentLogger();
    const outbox = new TraceOutbox(db, sink, clock, log);
    const lots = new TraceLots({ db, outbox, clock, log, timeZone: "UTC", runOnLots: "record" });
    const service = new TraceService({ lots, outbox, zones: [] });
    const lot = lots.scan(DROPPED_BEFORE_COUNT);
    expect(lot.lot).toBe("MILK01053724");
    expect(lot.candidates).toContain("MILK0105");
    lots.loadSlot({ now: clock.now(), emit: () => undefined }, "vm-a", 3, lot, 2, "test");
    await lots.loadParcel({ id: "p1", device: "lk-a", compartment: "C01" }, lot, "courier");
    await lots.loadBundle({ bundleId: "b1", roundId: "r1", device: "lk-a", compartment: "C02" }, lot, "vol");
    expect(lots.slotBlock("vm-a", 3)).toBeUndefined();
    expect(lots.pickupRefusal("p1")).toBeUndefined();
    await service.recall(GTIN, "MILK0105", "recall-1");
    expect(lots.slotBlock("vm-a", 3)).toMatchObject({ reason: "lot_recalled", lot: { lot: "MILK01053724" } });
    expect(lots.pickupRefusal("p1")?.code).toBe("QH_TRACE_LOT_RECALLED");
    expect(lots.bundleRefusal("b1", "collect")?.code).toBe("QH_TRACE_LOT_RECALLED");
    expect(lots.recallOf(GTIN, "MILK01053724")?.recall_id).toBe("recall-1");
    // an unrelated lot of the GTIN is not blocked by it
    expect(lots.recallOf(GTIN, "MILK0106")).toBeUndefined();
  });
});

describe("(15) best before is a limit like (17) expiry", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  function lotsAt(iso: string): TraceLots {
    const dir = tempDir("qh-bb-");
    const db = openDatabase({ dataDir: dir });
    const sink = new SqliteEventSink(`${dir}/events.sqlite`);
    cleanups.push(() => {
      db.close();
      sink.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const clock = new ManualClock(Date.parse(iso));
    const outbox = new TraceOutbox(db, sink, clock, silentLogger());
    return new TraceLots({ db, outbox, clock, log: silentLogger(), timeZone: "UTC" });
  }
  function caught(run: () => unknown): QhError {
    try {
      run();
    } catch (err) {
      if (isQhError(err)) return err;
      throw err;
    }
    throw new Error("no error");
  }

  it("a (15) past refuses the lot even when its (17) is ahead; the earlier date is recorded", () => {
    const lots = lotsAt("2026-03-01T08:00:00.000Z");
    const past = `]C101${GTIN}152602281726063010LOT-B`;
    expect(caught(() => lots.scan(past))).toMatchObject({
      code: "QH_TRACE_LOT_EXPIRED",
      details: { lot: "LOT-B", expiry: "2026-02-28" },
    });
    expect(lots.scan(`]C101${GTIN}152604001726063010LOT-B`).expiry).toBe("2026-04-30");
    expect(lots.scan(`]C101${GTIN}152612311726063010LOT-B`).expiry).toBe("2026-06-30");
    // day 00: the month's last day; (15) alone is the limit
    expect(lots.scan(`]C101${GTIN}1526050010LOT-B`).expiry).toBe("2026-05-31");
  });
});
