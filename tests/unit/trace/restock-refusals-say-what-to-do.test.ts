/**
 * New-user review of issue 11: the restock by scan of docs/traceability.md, on the demo
 * (`POST /api/v1/vending/vending-a/restock`). Two refusals whose hint (the catalogue's, one per
 * code: src/core/errors.ts) speaks of another case than the one the user is in:
 *
 * - the doc's own example on a full slot (count 6, the slot holding 8): `QH_PLANOGRAM_INPUT_INVALID`
 *   "a restock by scan must add items", hint "counts from 0 to the slot's capacity, prices in whole
 *   minor units, each slot once": nothing says that `replace: true` is the way for a slot emptied
 *   and refilled;
 * - a scanner that dropped the group separator (`…10LOT-D17270131`): the message is right (the
 *   scanner probably dropped it), the hint says "A value holds a character GS1 never uses, most
 *   often the scanner's stand-in…: set trace.gs1.separator to that character", which there is not.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { isQhError, type QhError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { TraceLots } from "../../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../../src/domain/trace/outbox.js";
import type { SlotLots } from "../../../src/domain/vending/planogram.js";
import { planLots } from "../../../src/domain/vending/restock-lots.js";
import { openDatabase } from "../../../src/store/db.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function caught(run: () => unknown): QhError {
  try {
    run();
  } catch (err) {
    if (isQhError(err)) return err;
    throw err;
  }
  throw new Error("no error");
}

describe("new user: restock refusals say what to do", () => {
  // new user: the hint of "a restock by scan must add items" does not name `replace: true`.
  // Fixed when this fails.
  it("a restock by scan adding nothing says: replace: true if the slot was emptied", () => {
    const lots = {
      scan: () => ({ gtin: "06901234567892", lot: "MILK-0105", expiry: "2028-01-03", warnings: [] }),
    } as unknown as SlotLots;
    const err = caught(() =>
      planLots(
        lots,
        "vending-a",
        [{ slot: 3, count: 6, scan: "]C1010690123456789210MILK-0105\u001d17280103" }],
        () => 8,
        new Map([[3, 6]]),
      ),
    );
    expect(err.code).toBe("QH_PLANOGRAM_INPUT_INVALID");
    expect(`${err.message} ${err.hint}`).toMatch(/replace/);
  });

  // new user: QH_GS1_SEPARATOR's one hint is about a stand-in character, also for a dropped GS.
  // Fixed when this fails.
  it("a dropped group separator's hint tells to make the scanner send GS", () => {
    const dir = mkdtempSync(join(tmpdir(), "qh-nu-gs-"));
    dirs.push(dir);
    const db = openDatabase({ dataDir: dir });
    const clock = new ManualClock(Date.parse("2026-11-30T22:00:00.000Z"));
    const sink = new SqliteEventSink(join(dir, "events.sqlite"));
    const outbox = new TraceOutbox(db, sink, clock, silentLogger());
    const lots = new TraceLots({ db, outbox, clock, log: silentLogger(), timeZone: "UTC" });
    try {
      const err = caught(() => lots.scan("010950110153000310LOT-D17270131"));
      expect(err.code).toBe("QH_GS1_SEPARATOR");
      expect(err.message).toMatch(/dropped/);
      expect(err.hint).toMatch(/drop/);
    } finally {
      db.close();
      sink.close();
    }
  });
});
