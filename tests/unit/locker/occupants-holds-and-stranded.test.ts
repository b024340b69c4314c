/**
 * What a bank's compartments hold (src/domain/locker/occupants.ts), on a real SQLite file: the
 * provisioning guard's input (QH_DEVICE_HOLDS_PARCELS) counts a distribution round's bundle (a
 * locker hold) like a parcel, and a compartment the layout dropped while it holds a bundle is
 * stranded (a /health problem naming it), not forgotten.
 */
import { describe, expect, it } from "vitest";
import { CompartmentStore } from "../../../src/domain/locker/compartments.js";
import { migrateHolds } from "../../../src/domain/locker/holds.js";
import { occupants, stranded, strandedProblems } from "../../../src/domain/locker/occupants.js";
import { migrateLocker } from "../../../src/domain/locker/schema.js";
import { useTempDb } from "../../helpers/temp-db.js";

const bank = (ids: string[]) => ({
  device: "locker-a",
  compartments: ids.map((id) => ({
    id,
    size: "S" as const,
    zone: "ambient" as const,
    sensors: { door: true, presence: false },
  })),
});

describe("locker occupants: holds and stranded compartments", () => {
  const t = useTempDb();

  it("a bundle's hold counts; dropped from the layout it is stranded and named", () => {
    migrateLocker(t.db);
    migrateHolds(t.db);
    const store = new CompartmentStore(t.db);
    store.sync([bank(["A01", "A02"])], 1);
    t.db
      .prepare("INSERT INTO locker_holds (device, compartment, owner, item, since) VALUES (?, ?, ?, ?, ?)")
      .run("locker-a", "A02", "distribution", "bundle-7", 1);
    expect(occupants(t.db, "locker-a")).toEqual([
      {
        device: "locker-a",
        compartment: "A02",
        parcels: [],
        holds: [{ owner: "distribution", item: "bundle-7" }],
      },
    ]);
    expect(occupants(t.db, "locker-b")).toEqual([]);
    expect(stranded(t.db)).toEqual([]);
    // a hand-edited layout without A02
    store.sync([bank(["A01"])], 2);
    const s = stranded(t.db);
    expect(s.map((o) => o.compartment)).toEqual(["A02"]);
    const [line] = strandedProblems(s);
    expect(line).toContain("distribution item bundle-7 in locker-a/A02");
    expect(() => store.require({ device: "locker-a", compartment: "A02" })).toThrow(
      expect.objectContaining({ code: "QH_LOCKER_COMPARTMENT_RETIRED" }),
    );
    // an empty retired compartment stays plain unknown
    store.sync([bank(["A02"])], 3);
    expect(() => store.require({ device: "locker-a", compartment: "A01" })).toThrow(
      expect.objectContaining({ code: "QH_LOCKER_COMPARTMENT_UNKNOWN" }),
    );
    expect(stranded(t.db)).toEqual([]);
  });
});
