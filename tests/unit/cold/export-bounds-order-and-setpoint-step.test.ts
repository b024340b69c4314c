/**
 * Review findings on the export and the set-point: an export's range is [from, to) (from
 * inclusive, to exclusive: consecutive days never share a reading), its stream is in sequence
 * order across closed blocks and the open rows; a set-point read back within half the register's
 * step (the model's scale) is the value asked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, expect, it } from "vitest";
import { type ColdControllerModel, loadModels } from "../../../src/config/models.js";
import { sameSetpoint } from "../../../src/domain/cold/commands.js";
import { TemperatureRecord } from "../../../src/domain/cold/record.js";
import { ColdControllerDriver } from "../../../src/drivers/cold-controller.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.parse("2026-01-01T00:00:00Z");

/** 250 readings every 30 s from T0: two closed blocks of 100 and 50 open rows. */
function record(): TemperatureRecord {
  const dir = mkdtempSync(join(tmpdir(), "qh-cold-bounds-"));
  dirs.push(dir);
  const db = new Database(join(dir, "gateway.db"));
  const rec = new TemperatureRecord(db, { blockReadings: 100 });
  db.transaction(() => {
    for (let i = 0; i < 250; i++)
      rec.append("z", { ts: T0 + i * 30_000, temperatureC: 4, quality: "ok", clockUnsynced: false }, 30);
  })();
  return rec;
}

it("takes from inclusive and to exclusive, in the blocks and in the open rows", async () => {
  const rec = record();
  const seqs: number[] = [];
  const ts: number[] = [];
  // from = the 10th reading's time, to = the 20th's: 10..19
  await rec.forEach("z", T0 + 10 * 30_000, T0 + 20 * 30_000, (r) => {
    seqs.push(r.seq);
    ts.push(r.ts);
  });
  expect(ts[0]).toBe(T0 + 10 * 30_000);
  expect(ts.at(-1)).toBe(T0 + 19 * 30_000);
  expect(seqs).toHaveLength(10);
  // the same in the open rows (readings 200..249)
  const open: number[] = [];
  await rec.forEach("z", T0 + 210 * 30_000, T0 + 220 * 30_000, (r) => open.push(r.ts));
  expect(open).toEqual(Array.from({ length: 10 }, (_, i) => T0 + (210 + i) * 30_000));
  // two consecutive ranges share no reading and miss none
  const a: number[] = [];
  const b: number[] = [];
  await rec.forEach("z", T0, T0 + 150 * 30_000, (r) => a.push(r.seq));
  await rec.forEach("z", T0 + 150 * 30_000, T0 + 250 * 30_000, (r) => b.push(r.seq));
  expect(a.length + b.length).toBe(250);
  expect(new Set([...a, ...b]).size).toBe(250);
});

it("streams in sequence order across closed blocks and open rows", async () => {
  const rec = record();
  const seqs: number[] = [];
  await rec.forEach("z", 0, T0 + 86_400_000, (r) => seqs.push(r.seq));
  expect(seqs).toHaveLength(250);
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
});

it("a set-point read back within half the register's step is the value asked", () => {
  expect(sameSetpoint(4.05, 4.1)).toBe(true); // tenths: 4.05 cannot be held, 4.1 is the nearest
  expect(sameSetpoint(4, 4.1)).toBe(false);
  expect(sameSetpoint(4.2, 4.0, 0.5)).toBe(true); // a register in half degrees
  expect(sameSetpoint(4.0, 4.5, 0.5)).toBe(false);
  const model = loadModels().get("generic-cold-controller") as ColdControllerModel;
  const d = new ColdControllerDriver({
    device: "c",
    unit: 1,
    model,
    bus: undefined as never, // not used: only the model's step is read
    baudRate: 9600,
    log: undefined as never,
  });
  expect(d.setpointStepC).toBeCloseTo(model.registers.setpoint!.scale ?? 1, 9);
});
