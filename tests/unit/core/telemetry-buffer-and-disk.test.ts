import { afterEach, describe, expect, it } from "vitest";
import { dbFile } from "../../../src/store/db.js";
import { diskLevel } from "../../../src/store/disk.js";
import { TelemetryBuffer } from "../../../src/store/telemetry-buffer.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();
afterEach(() => {});

describe("telemetry buffer", () => {
  it("stays within maxRows by coalescing per device (latest value per metric)", () => {
    const b = new TelemetryBuffer(store.db, 10);
    for (let i = 0; i < 10; i++) b.add(i % 2 ? "a" : "b", i, { t: i, [`k${i % 3}`]: i });
    expect(b.size).toBe(10);
    const dropped = b.add("a", 100, { t: 100 });
    expect(dropped).toBe(8); // 10 rows became 2 (one per device)
    expect(b.size).toBe(3);
    const rows = b.take(10);
    const a = rows.find((r) => r.device === "a")!;
    expect(a.metrics.t).toBe(9);
    expect(rows.at(-1)).toMatchObject({ device: "a", metrics: { t: 100 } });
  });
  it("evicts the oldest when coalescing is not enough", () => {
    const b = new TelemetryBuffer(store.db, 5);
    for (let i = 0; i < 5; i++) b.add(`d${i}`, i, { v: i });
    b.add("d9", 9, { v: 9 });
    expect(b.size).toBeLessThanOrEqual(5);
    expect(b.take(10).map((r) => r.device)).not.toContain("d0");
  });
  it("persists across reopen and can be drained", () => {
    const first = new TelemetryBuffer(store.db, 100);
    first.add("x", 1, { v: 1 });
    first.flush(); // what the gateway does before closing the database
    store.reopen();
    const b = new TelemetryBuffer(store.db, 100);
    expect(b.size).toBe(1);
    const [r] = b.take(10);
    b.remove(r!.rowid);
    expect(b.size).toBe(0);
  });
});

describe("disk watermark", () => {
  const policy = () => ({ dataDir: store.dir, dbFile: dbFile(store.dir), quotaMb: 1024, lowDiskMb: 200 });
  it("is ok with room, low under lowDiskMb, full under a quarter of it", () => {
    expect(diskLevel(policy(), 10_000 * 1048576).level).toBe("ok");
    expect(diskLevel(policy(), 150 * 1048576).level).toBe("low");
    expect(diskLevel(policy(), 40 * 1048576).level).toBe("full");
  });
  it("is full when the database reaches its quota", () => {
    expect(diskLevel({ ...policy(), quotaMb: 0.01 }, 10_000 * 1048576).level).toBe("full");
  });
});
