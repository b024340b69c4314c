/**
 * A disk that refuses the transaction of a reading (SQLite answers SQLITE_FULL: the database may
 * not grow past `max_page_count`, the same error a full disk gives) must not leave the alarm it
 * decided open in memory with its `cold.alarm.raised` lost (review finding): the alarm state is
 * put back, the reading is kept and retried, and /health's problems say so with the store's code.
 */
import { afterEach, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => {
  f.db.pragma("max_page_count = 1073741823");
  return f.cleanup();
});

/** Makes the database refuse to grow, and fills its free space, so the next commit fails. */
function fillDisk(): void {
  f.db.exec("CREATE TABLE IF NOT EXISTS ballast (b BLOB)");
  const pages = f.db.pragma("page_count", { simple: true }) as number;
  f.db.pragma(`max_page_count = ${pages}`);
  const add = f.db.prepare("INSERT INTO ballast VALUES (zeroblob(?))");
  for (const size of [65536, 4096, 512, 64, 8])
    for (;;) {
      try {
        add.run(size);
      } catch {
        break;
      }
    }
}

function freeDisk(): void {
  f.db.exec("DROP TABLE ballast");
  f.db.pragma("max_page_count = 1073741823");
}

it("keeps the readings, reports the store's code in problems, and raises the alarm once the disk takes writes", async () => {
  f = await coldFixture([chilledZone()]); // 2..6 °C, 300 s delay
  await f.step();
  fillDisk();
  let steps = 1;
  while (f.svc.problems().length === 0 && steps < 400) {
    await f.step(); // in range, until a reading's transaction needs a page the disk does not have
    steps++;
  }
  expect(f.svc.problems()).toEqual([
    "cold zone chilled: 1 reading(s) not recorded (QH_STORE_FULL), retried at each poll",
  ]);
  f.ctrl.set(0, { temperatureC: 10 });
  for (let i = 0; i < 12; i++) await f.step(); // 330 s out of range: the alarm is due, and refused
  expect(f.svc.openAlarms("chilled")).toEqual([]); // not open in memory without its event
  expect(f.sink.types()).toEqual([]);
  expect(f.svc.problems()[0]).toMatch(/13 reading\(s\) not recorded \(QH_STORE_FULL\)/);
  freeDisk();
  await f.step();
  expect(f.svc.problems()).toEqual([]);
  expect(f.sink.types()).toEqual(["cold.alarm.raised"]);
  expect(f.svc.openAlarms("chilled").map((a) => a.kind)).toEqual(["temperature"]);
  // every reading taken is recorded, in order, none twice
  const rows: Array<{ seq: number; temperatureC: number | null }> = [];
  await f.svc.record.forEach("chilled", 0, Number.MAX_SAFE_INTEGER, (r) => rows.push(r));
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: steps + 13 }, (_, i) => i + 1));
  expect(rows.slice(-13).map((r) => r.temperatureC)).toEqual(Array(13).fill(10));
});
