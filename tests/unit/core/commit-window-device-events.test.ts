/**
 * The commit window (store.commitWindowMs, src/pipeline/commit-window.ts): at a trickle, device
 * events share group commits; the device's PUBACK still comes only after the commit that holds its
 * event; the gateway's own events are never held; a device that waits for each PUBACK is not held
 * to one event per window; a long batch is committed at once. Real SQLite; the window's spacing
 * is measured on the ManualClock's monotonic time, so the tests decide what "soon" means.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { HOLD_MAX } from "../../../src/pipeline/commit-window.js";
import type { CommittedRow, Ingest } from "../../../src/pipeline/ingest.js";
import { testIngest } from "../../helpers/ingest.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();
let clock: ManualClock;
let commits: CommittedRow[][];

const make = (commitWindowMs = 200) => testIngest(store.db, commits, { clock, commitWindowMs });

const stored = () => store.db.prepare("SELECT count(*) FROM events").pluck().get() as number;
const turn = () => new Promise((r) => setImmediate(r));

/** A device event; resolves with its seq and whether its row was stored when it was acked. */
function publish(ing: Ingest, device: string, n: number): Promise<{ seq: number; durableAtAck: boolean }> {
  return new Promise((resolve, reject) =>
    ing.acceptRaw(device, "t.x", `{"n":${n}}`, undefined, (err, acc) => {
      if (err) reject(err);
      else
        resolve({
          seq: acc!.seq,
          durableAtAck:
            store.db.prepare("SELECT count(*) FROM events WHERE seq = ?").pluck().get(acc!.seq) === 1,
        });
    }),
  );
}

beforeEach(() => {
  clock = new ManualClock(Date.parse("2026-11-27T08:15:02.113Z"));
  commits = [];
});

describe("commit window for device events", () => {
  it("commits a sporadic event at once, and holds the next ones so that they share a commit", async () => {
    const ing = make();
    const first = await publish(ing, "d1", 1); // nothing committed for a while: not held
    expect(commits.map((c) => c.length)).toEqual([1]);
    clock.advance(100); // 100 ms after that commit: within the window
    const a = publish(ing, "d1", 2);
    await turn();
    await turn();
    expect(stored()).toBe(1); // held: not committed this loop turn, not acknowledged
    clock.advance(50);
    const b = publish(ing, "d2", 3);
    const [ra, rb] = await Promise.all([a, b]);
    expect(commits.map((c) => c.length)).toEqual([1, 2]); // one commit for both
    expect([first.durableAtAck, ra.durableAtAck, rb.durableAtAck]).toEqual([true, true, true]);
    expect([ra.seq, rb.seq]).toEqual([2, 3]);
  });

  it("never holds the gateway's own events: a kiosk event commits at once, with what was held", async () => {
    const ing = make();
    await publish(ing, "d1", 1);
    clock.advance(10);
    const held = publish(ing, "d1", 2);
    await turn();
    expect(stored()).toBe(1);
    const own = await ing.emit({ device: "locker-a", type: "parcel.deposited", data: {} });
    expect(own.seq).toBe(3);
    expect(commits.map((c) => c.length)).toEqual([1, 2]);
    expect((await held).durableAtAck).toBe(true);
  });

  it("does not hold a device that publishes as soon as it has its PUBACK (after two answers)", async () => {
    const ing = make();
    await publish(ing, "d1", 1); // quiet before: at once
    clock.advance(2);
    await publish(ing, "d1", 2); // one answer: it may be a timer that happened to fire now: held
    clock.advance(2);
    const third = publish(ing, "d1", 3); // two in a row: a device waiting for us
    await turn();
    expect(stored()).toBe(3); // committed in the loop turn it arrived in
    await third;
    clock.advance(2);
    const fourth = publish(ing, "d1", 4);
    await turn();
    expect(stored()).toBe(4);
    await fourth;
    // a pause ends the streak: the next event after a slow answer may be held again
    clock.advance(150);
    const fifth = publish(ing, "d1", 5);
    await turn();
    expect(stored()).toBe(4);
    await fifth;
    expect(commits.map((c) => c.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it(`commits at once when ${HOLD_MAX} events are waiting`, async () => {
    const ing = make();
    await publish(ing, "d0", 0);
    clock.advance(1);
    const ps = Array.from({ length: HOLD_MAX }, (_, i) => publish(ing, `d${i}`, i));
    await turn();
    expect(stored()).toBe(1 + HOLD_MAX);
    await Promise.all(ps);
  });

  it("with the window at 0, every loop turn commits (no device event waits)", async () => {
    const ing = make(0);
    await publish(ing, "d1", 1);
    clock.advance(1);
    const p = publish(ing, "d1", 2);
    await turn();
    expect(stored()).toBe(2);
    await p;
  });
});
