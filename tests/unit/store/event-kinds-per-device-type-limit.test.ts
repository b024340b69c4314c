import { describe, expect, it } from "vitest";
import { EventKinds } from "../../../src/store/event-kinds.js";
import { useTempDb } from "../../helpers/temp-db.js";

/**
 * The event-kind dictionary answers two questions per event on the hot path (may this device use
 * this type; which kind is it), from memory: per gateway id and device, never mixing them.
 */
describe("event kinds: the per-device type limit and the kinds kept in memory", () => {
  const t = useTempDb();

  const commit = (f: () => void) => t.db.transaction(f)();

  it("counts a device's distinct types per gateway id and device, a known type always allowed", () => {
    const kinds = new EventKinds(t.db);
    expect(kinds.allows("gw-1", "locker-1", "a", 2)).toBe(true);
    expect(kinds.allows("gw-1", "locker-1", "a", 0)).toBe(false);
    commit(() => {
      kinds.begin();
      kinds.kindOf("gw-1", "locker-1", "a");
      kinds.kindOf("gw-1", "locker-1", "b");
      kinds.kindOf("gw-1", "locker-2", "c");
      kinds.kindOf("gw-2", "locker-1", "d");
    });
    expect(kinds.allows("gw-1", "locker-1", "a", 2)).toBe(true);
    expect(kinds.allows("gw-1", "locker-1", "c", 2)).toBe(false);
    expect(kinds.allows("gw-1", "locker-1", "c", 3)).toBe(true);
    // another device's and another gateway id's types do not count against this device
    expect(kinds.allows("gw-1", "locker-2", "x", 2)).toBe(true);
    expect(kinds.allows("gw-2", "locker-1", "x", 2)).toBe(true);
    expect(kinds.allows("gw-2", "locker-1", "x", 1)).toBe(false);
  });

  it("gives each triple one kind, the same after a restart (read back from the table)", () => {
    const kinds = new EventKinds(t.db);
    let a = 0;
    let b = 0;
    commit(() => {
      kinds.begin();
      a = kinds.kindOf("gw-1", "locker-1", "a");
      b = kinds.kindOf("gw-1", "locker-1", "b");
      expect(kinds.kindOf("gw-1", "locker-1", "a")).toBe(a);
    });
    expect(b).not.toBe(a);
    const again = new EventKinds(t.reopen());
    again.begin();
    expect(again.kindOf("gw-1", "locker-1", "a")).toBe(a);
    expect(again.describe(b)).toEqual({ gw: "gw-1", device: "locker-1", type: "b" });
    expect(again.allows("gw-1", "locker-1", "c", 2)).toBe(false);
  });

  it("forgets a kind whose transaction rolled back: its type no longer counts", () => {
    const kinds = new EventKinds(t.db);
    commit(() => {
      kinds.begin();
      kinds.kindOf("gw-1", "locker-1", "a");
    });
    expect(() =>
      commit(() => {
        kinds.begin();
        kinds.kindOf("gw-1", "locker-1", "b");
        kinds.kindOf("gw-1", "locker-3", "z");
        throw new Error("the disk is full");
      }),
    ).toThrow("the disk is full");
    expect(kinds.allows("gw-1", "locker-1", "b", 2)).toBe(true); // still known until checked
    kinds.begin(); // the next transaction checks the last one's additions
    expect(kinds.allows("gw-1", "locker-1", "c", 2)).toBe(true);
    expect(kinds.allows("gw-1", "locker-1", "c", 1)).toBe(false);
    expect(kinds.allows("gw-1", "locker-3", "y", 1)).toBe(true);
    expect(() => kinds.describe(999)).toThrow(/missing/);
  });

  /** A store whose table lost the row of (gw-1, locker-1, b) while its copy in `meta` survives. */
  const damaged = (): { kinds: EventKinds; lost: number } => {
    const before = new EventKinds(t.db);
    let lost = 0;
    commit(() => {
      before.begin();
      before.kindOf("gw-1", "locker-1", "a");
      lost = before.kindOf("gw-1", "locker-1", "b");
    });
    t.db.prepare("DELETE FROM event_kinds WHERE kind = ?").run(lost);
    return { kinds: new EventKinds(t.reopen()), lost };
  };
  const inTable = (kind: number) =>
    t.db.prepare("SELECT count(*) FROM event_kinds WHERE kind = ?").pluck().get(kind) as number;

  it("a damaged store: an old event described from the copy leaves new events on the table's kind", () => {
    const { kinds, lost } = damaged();
    let again = 0;
    commit(() => {
      kinds.begin();
      again = kinds.kindOf("gw-1", "locker-1", "b");
    });
    expect(again).not.toBe(lost);
    expect(kinds.describe(lost)).toEqual({ gw: "gw-1", device: "locker-1", type: "b" });
    expect(kinds.kindOf("gw-1", "locker-1", "b")).toBe(again);
    expect(inTable(again)).toBe(1);
    // b counts once: a and b, so a third type fits a limit of 3
    expect(kinds.allows("gw-1", "locker-1", "c", 3)).toBe(true);
    expect(kinds.allows("gw-1", "locker-1", "c", 2)).toBe(false);
  });

  it("a damaged store: a rolled-back kind forgotten after an old event was described keeps the limit", () => {
    const { kinds, lost } = damaged();
    expect(() =>
      commit(() => {
        kinds.begin();
        kinds.kindOf("gw-1", "locker-1", "b");
        throw new Error("the disk is full");
      }),
    ).toThrow("the disk is full");
    kinds.describe(lost); // the uplink sends an old b event between the two transactions
    kinds.begin();
    expect(kinds.allows("gw-1", "locker-1", "c", 2)).toBe(false);
    expect(kinds.allows("gw-1", "locker-1", "b", 2)).toBe(true);
  });
});
