/**
 * Each reading used to rewrite the zone's whole alarm state (1–3 KB of JSON) in its transaction.
 * Now the state is written when it matters to a restart (an alarm opened or closed, time being
 * counted, the cumulative spans changed) and a quiet zone's every 20 readings; a clean stop saves
 * it. Counted with a SQLite trigger on the state table.
 */
import { afterEach, expect, it } from "vitest";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

function countWrites(): () => { writes: number; bytes: number } {
  f.db.exec(`CREATE TEMP TABLE state_writes (bytes INTEGER);
    CREATE TEMP TRIGGER sw_ins AFTER INSERT ON cold_zone_state BEGIN INSERT INTO state_writes VALUES (length(NEW.doc)); END;
    CREATE TEMP TRIGGER sw_upd AFTER UPDATE ON cold_zone_state BEGIN INSERT INTO state_writes VALUES (length(NEW.doc)); END;`);
  return () =>
    f.db
      .prepare("SELECT count(*) AS writes, coalesce(sum(bytes), 0) AS bytes FROM temp.state_writes")
      .get() as {
      writes: number;
      bytes: number;
    };
}

it("a quiet zone's state is written every 20 readings, an excursion's at every reading, and a stop saves it", async () => {
  f = await coldFixture([chilledZone()]);
  const written = countWrites();
  for (let i = 0; i < 200; i++) await f.step();
  const quiet = written();
  expect(quiet.writes).toBeLessThanOrEqual(200 / 20 + 1);
  expect(quiet.bytes / 200).toBeLessThan(100); // bytes of state written per quiet reading
  f.ctrl.set(0, { temperatureC: 9 });
  for (let i = 0; i < 5; i++) await f.step();
  expect(written().writes - quiet.writes).toBe(5); // counting towards an alarm: every reading
  await f.restart(); // a clean stop saves the latest state; the run out of range goes on
  const alarms = f.svc as unknown as {
    runs: Map<string, { alarms: { state: { run?: { outSeconds: number } } } }>;
  };
  expect(alarms.runs.get("chilled")?.alarms.state.run?.outSeconds).toBe(120);
});
