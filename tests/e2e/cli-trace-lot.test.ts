/**
 * `quarterhour trace lot GTIN LOT [--json]` as a real child process on the built CLI, reading a
 * real store with the gateway stopped: a lot loaded into a vending slot and sold, and a lot never
 * seen (exit 0 both); a GTIN with a wrong check digit (exit 2, QH_TRACE_INPUT_INVALID); a data dir
 * without a database (exit 3, QH_STORE_MISSING). The store is opened read-only: nothing is written.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { encodeGs1 } from "../../src/domain/trace/gs1.js";
import { TraceLots } from "../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../src/domain/trace/outbox.js";
import { insertSale } from "../../src/domain/vending/sales.js";
import { migrateVending } from "../../src/domain/vending/schema.js";
import { dbFile, openDatabase } from "../../src/store/db.js";
import { runCliAsync } from "../helpers/cli.js";
import { SqliteEventSink } from "../helpers/sqlite-event-sink.js";

const ROOT = join(import.meta.dirname, "../..");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function storeWithALot(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "qh-trace-cli-"));
  dirs.push(dir);
  const db = openDatabase({ dataDir: dir });
  migrateVending(db);
  const clock = new ManualClock(Date.parse("2026-05-01T09:00:00.000Z"));
  const sink = new SqliteEventSink(join(dir, "events.sqlite"));
  const outbox = new TraceOutbox(db, sink, clock, silentLogger());
  const lots = new TraceLots({ db, outbox, clock, log: silentLogger(), timeZone: "UTC" });
  const code = encodeGs1([
    { ai: "01", value: "04012345678901" },
    { ai: "10", value: "YOG-9" },
    { ai: "17", value: "260600" },
  ]);
  await outbox.commit((tx) => lots.loadSlot(tx, "vm-a", 2, lots.scan(code), 6, "ops")).durable;
  insertSale(db, {
    id: "sale-1",
    device: "vm-a",
    slot: 2,
    product: "yoghurt",
    price: 450,
    payment: "cash",
    paymentRef: null,
    offline: false,
    ts: Date.parse("2026-05-01T10:30:00.000Z"),
    clockUnsynced: false,
  });
  db.close();
  sink.close();
  return dir;
}

it("answers from the store with the gateway stopped, as text and as JSON; exit codes 2 and 3", async () => {
  const dir = await storeWithALot();
  const before = statSync(dbFile(dir)).mtimeMs;
  const text = await runCliAsync(["trace", "lot", "4012345678901", "YOG-9", "--data-dir", dir], {
    cwd: ROOT,
  });
  expect(text.status, text.stderr).toBe(0);
  expect(text.stdout).toContain("lot YOG-9 of GTIN 04012345678901, expiry 2026-06-30");
  expect(text.stdout).toContain("not recalled");
  expect(text.stdout).toMatch(/sold 1 time\(s\):\n {2}2026-05-01T10:30:00\.000Z {2}vm-a slot 2 {2}cash 450/);
  expect(text.stdout).toContain("still held in 1 place(s):\n  still in vm-a slot 2  ×6\n");
  // no parcel, no bundle: said so, not a header with nothing under it
  expect(text.stdout).toContain("in parcels: none\nin bundles: none\n");
  expect(text.stdout).not.toMatch(/\b0 (time|parcel|bundle)\(s\)/);

  const json = await runCliAsync(["trace", "lot", "04012345678901", "YOG-9", "--json", "--data-dir", dir], {
    cwd: ROOT,
  });
  expect(json.status, json.stderr).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({
    gtin: "04012345678901",
    holding: [{ device: "vm-a", slot: 2, quantity: 6 }],
    vends: [{ saleId: "sale-1", certain: true }],
  });

  const never = await runCliAsync(["trace", "lot", "04012345678901", "NOPE", "--data-dir", dir], {
    cwd: ROOT,
  });
  expect(never.status).toBe(0);
  expect(never.stdout).toContain("never loaded at this site");
  expect(statSync(dbFile(dir)).mtimeMs).toBe(before);

  const bad = await runCliAsync(["trace", "lot", "4012345678902", "YOG-9", "--data-dir", dir], { cwd: ROOT });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("QH_TRACE_INPUT_INVALID");
  expect(bad.stderr).toContain("check digit 2, expected 1");

  const empty = mkdtempSync(join(tmpdir(), "qh-trace-cli-empty-"));
  dirs.push(empty);
  const missing = await runCliAsync(["trace", "lot", "4012345678901", "YOG-9", "--data-dir", empty], {
    cwd: ROOT,
  });
  expect(missing.status).toBe(3);
  expect(missing.stderr).toContain("QH_STORE_MISSING");
});

it("--help names every place a lot can be, bundles included", async () => {
  const help = await runCliAsync(["trace", "lot", "--help"], { cwd: ROOT });
  expect(help.status, help.stderr).toBe(0);
  expect(help.stdout.replace(/\s+/g, " ")).toContain(
    "where it is still held, loads, vends, parcels, bundles, cold chain",
  );
});
