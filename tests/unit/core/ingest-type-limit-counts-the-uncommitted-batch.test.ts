import { describe, expect, it } from "vitest";
import { MAX_EVENT_TYPES_PER_DEVICE } from "../../../src/core/envelope.js";
import type { CommittedRow } from "../../../src/pipeline/ingest.js";
import { testIngest } from "../../helpers/ingest.js";
import { useTempDb } from "../../helpers/temp-db.js";

/**
 * The per-device limit of distinct event types (MAX_EVENT_TYPES_PER_DEVICE) holds within one group
 * commit too: new types waiting in the uncommitted batch count, as the device broker asks
 * `typeAllowed` before handing each event on.
 */
describe("the per-device type limit counts the types of the uncommitted batch", () => {
  const store = useTempDb();
  const distinctTypes = (device: string) =>
    store.db.prepare("SELECT count(*) FROM event_kinds WHERE device = ?").pluck().get(device) as number;

  it("a burst of 100 new types in one loop turn stores 64, and the next batch no more", async () => {
    const committed: CommittedRow[][] = [];
    const ing = testIngest(store.db, committed);
    const offer = (device: string, type: string): Promise<boolean> | false => {
      if (!ing.typeAllowed(device, type)) return false; // the broker drops it (too_many_types)
      return new Promise((resolve, reject) =>
        ing.acceptRaw(device, type, "{}", undefined, (err) => (err ? reject(err) : resolve(true))),
      );
    };
    const burst = Array.from({ length: 100 }, (_, i) => offer("locker-1", `t${i}`));
    // a type already in the batch stays allowed, another device is not affected
    const again = offer("locker-1", "t0");
    const other = offer("locker-2", "t99");
    expect(burst.filter((p) => p !== false)).toHaveLength(MAX_EVENT_TYPES_PER_DEVICE);
    expect(burst.indexOf(false)).toBe(MAX_EVENT_TYPES_PER_DEVICE);
    expect(again).not.toBe(false);
    expect(other).not.toBe(false);
    await Promise.all([...burst.filter((p) => p !== false), again, other]);
    expect(committed).toHaveLength(1);
    expect(distinctTypes("locker-1")).toBe(MAX_EVENT_TYPES_PER_DEVICE);
    // committed now: known types pass, new ones do not
    expect(ing.typeAllowed("locker-1", "t5")).toBe(true);
    expect(ing.typeAllowed("locker-1", "t80")).toBe(false);
    expect(distinctTypes("locker-2")).toBe(1);
  });
});
