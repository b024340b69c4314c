/**
 * The bundles table's migration 2 (retrieving, retrieved, retrieved_at/_reason/_by): a database
 * with rounds at migration 1 keeps every bundle and index, and then takes the new states.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DISTRIBUTION_MIGRATIONS, migrateDistribution } from "../../../src/domain/distribution/schema.js";
import { migrate } from "../../../src/store/migrate.js";

describe("the distribution tables from migration 1 to 2", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the bundles and their one-per-household rule, and takes retrieved", () => {
    dir = mkdtempSync(join(tmpdir(), "qh-dist-mig-"));
    const db = new Database(join(dir, "gw.db"));
    db.pragma("foreign_keys = ON");
    expect(migrate(db, "distribution", DISTRIBUTION_MIGRATIONS.slice(0, 1))).toBe(1);
    db.prepare(
      "INSERT INTO distribution_rounds (round_id, state, created_at) VALUES ('r1', 'open', 1)",
    ).run();
    db.prepare(
      `INSERT INTO distribution_bundles (bundle_id, round_id, household, code_hash, zone, state, device, compartment,
         position, loaded_at, updated_at) VALUES ('B1', 'r1', 'h-1', x'01', 'ambient', 'loaded', 'locker-a', 'A01', 1, 5, 5)`,
    ).run();
    expect(() =>
      db.prepare("UPDATE distribution_bundles SET state = 'retrieved' WHERE bundle_id = 'B1'").run(),
    ).toThrow(/CHECK/);

    expect(migrateDistribution(db)).toBe(2);
    expect(db.prepare("SELECT * FROM distribution_bundles").all()).toMatchObject([
      {
        bundle_id: "B1",
        state: "loaded",
        device: "locker-a",
        compartment: "A01",
        loaded_at: 5,
        retrieved_at: null,
      },
    ]);
    db.prepare(
      "UPDATE distribution_bundles SET state = 'retrieved', retrieved_at = 9, retrieve_reason = 'recalled', retrieved_by = 'v1' WHERE bundle_id = 'B1'",
    ).run();
    expect(() =>
      db
        .prepare(
          `INSERT INTO distribution_bundles (bundle_id, round_id, household, code_hash, zone, state, position, updated_at)
           VALUES ('B2', 'r1', 'h-1', x'02', 'ambient', 'pending', 2, 6)`,
        )
        .run(),
    ).toThrow(/UNIQUE/);
    const indexes = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'distribution_bundles' AND sql IS NOT NULL",
      )
      .pluck()
      .all();
    expect(indexes.sort()).toEqual([
      "distribution_bundles_code",
      "distribution_bundles_place",
      "distribution_bundles_round",
      "distribution_one_per_household",
    ]);
    db.close();
  });
});
