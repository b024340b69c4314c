import { beforeEach, describe, expect, it } from "vitest";
import { QhError } from "../../../src/core/errors.js";
import type { CommittedRow } from "../../../src/pipeline/ingest.js";
import { Outbox } from "../../../src/store/outbox.js";
import { testIngest } from "../../helpers/ingest.js";
import { storedEvents } from "../../helpers/outbox-rows.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();
let committed: CommittedRow[][];
let refuse: QhError | undefined;
const make = () => testIngest(store.db, committed, { refuse: () => refuse });

beforeEach(() => {
  committed = [];
  refuse = undefined;
});

describe("ingest group commit", () => {
  it("commits everything accepted in one loop turn in one transaction, in order, then resolves", async () => {
    const ing = make();
    const ps = Array.from({ length: 50 }, (_, i) => ing.emit({ device: "d", type: "t.x", data: { i } }));
    // nothing committed yet: the batch waits for the end of this turn
    expect(store.db.prepare("SELECT count(*) FROM events").pluck().get()).toBe(0);
    const acc = await Promise.all(ps);
    expect(committed).toHaveLength(1);
    expect(committed[0]).toHaveLength(50);
    expect(acc.map((a) => a.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(acc.map((a) => a.id)).size).toBe(50);
    const body = JSON.parse(committed[0]![0]!.body);
    expect(body).toEqual({
      id: acc[0]!.id,
      seq: 1,
      ts: "2026-11-27T08:15:02.113Z",
      gw: "gw-t",
      device: "d",
      type: "t.x",
      data: { i: 0 },
    });
  });

  it("commits a large batch (multi-row inserts plus the remainder) with every row intact, then the next", async () => {
    const ing = make();
    // 600 events: past the 256 ids the batch's id buffer starts with (it grows), then a batch of 5
    // that reuses it from the start
    const acc = await Promise.all(
      Array.from({ length: 600 }, (_, i) => ing.emit({ device: `d${i % 3}`, type: "t.y", data: { i } })),
    );
    acc.push(
      ...(await Promise.all(
        [0, 1, 2, 3, 4].map((i) => ing.emit({ device: "d0", type: "t.y", data: { i } })),
      )),
    );
    expect(committed.map((c) => c.length)).toEqual([600, 5]);
    const rows = storedEvents(store.db).map((r) => ({ ...r, e: JSON.parse(r.body) }));
    expect(rows.map((r) => r.seq)).toEqual(acc.map((a) => a.seq));
    expect(rows.map((r) => r.e.id)).toEqual(acc.map((a) => a.id));
    expect(new Set(rows.map((r) => r.e.id)).size).toBe(605);
    expect(rows.map((r) => r.e.data.i)).toEqual([...Array.from({ length: 600 }, (_, i) => i), 0, 1, 2, 3, 4]);
    expect(rows.slice(0, 600).map((r) => r.device)).toEqual(
      Array.from({ length: 600 }, (_, i) => `d${i % 3}`),
    );
  });

  it("keeps seq growing across restarts and after every row is pruned", async () => {
    let ing = make();
    await Promise.all([1, 2, 3].map((i) => ing.emit({ device: "d", type: "t", data: { i } })));
    new Outbox(store.db).markDelivered([[1, 3]], 0);
    expect(new Outbox(store.db).prune(1)).toBe(3);
    store.reopen();
    ing = make();
    expect((await ing.emit({ device: "d", type: "t", data: {} })).seq).toBe(4);
  });

  it("rejects bad types and non-object data with QH_EVENT_INVALID", async () => {
    const ing = make();
    await expect(ing.emit({ device: "d", type: "Bad", data: {} })).rejects.toMatchObject({
      code: "QH_EVENT_INVALID",
    });
    await expect(ing.emit({ device: "d", type: "ok", data: [] as never })).rejects.toMatchObject({
      code: "QH_EVENT_INVALID",
    });
  });

  it("refuses loudly when the disk is full, and accepts again after", async () => {
    const ing = make();
    refuse = new QhError("QH_STORE_FULL", "full");
    await expect(ing.emit({ device: "d", type: "t", data: {} })).rejects.toMatchObject({
      code: "QH_STORE_FULL",
    });
    refuse = undefined;
    expect((await ing.emit({ device: "d", type: "t", data: {} })).seq).toBe(1);
  });

  it("fails every event of a batch whose commit fails, and reuses no seq", async () => {
    const ing = make();
    store.db.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.type = 'boom' BEGIN SELECT RAISE(ABORT, 'disk I/O'); END",
    );
    const ok1 = ing.emit({ device: "d", type: "fine", data: {} });
    const bad = ing.emit({ device: "d", type: "boom", data: {} });
    await expect(ok1).rejects.toThrow(/commit failed/);
    await expect(bad).rejects.toThrow(/commit failed/);
    expect(store.db.prepare("SELECT count(*) FROM events").pluck().get()).toBe(0);
    store.db.exec("DROP TRIGGER boom");
    expect((await ing.emit({ device: "d", type: "fine", data: {} })).seq).toBe(1);
  });
});
