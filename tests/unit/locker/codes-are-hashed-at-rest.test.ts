import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LockerService } from "../../../src/domain/locker/service.js";
import {
  COURIER,
  command,
  depositParcel,
  type Fixture,
  LAYOUT,
  lockerFixture,
  OTHER_COURIER,
  SECRET,
} from "./fixture.js";

/** Every byte SQLite keeps for the gateway database: the main file, the WAL and the shared memory. */
function bytesAtRest(dbFile: string): string {
  return ["", "-wal", "-shm"]
    .map((suffix) => dbFile + suffix)
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString("latin1"))
    .join("\n");
}

/** Every text value of every table, read back through SQL. */
function textCells(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    const out: string[] = [];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const v of Object.values(row)) if (typeof v === "string") out.push(v);
      }
    }
    return out;
  } finally {
    db.close();
  }
}

describe("codes at rest", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("are only keyed hashes in the SQLite file: no pickup code or courier code in clear", async () => {
    f = await lockerFixture();
    const { parcelId, code } = await depositParcel(f, { barcode: "PKG-HASH-1", size: "S" });
    const reserved = "864209";
    const deadline = new Date(f.clock.now() + 86_400_000).toISOString();
    await command(f, "locker.reserve", { orderId: "order-hash", size: "M", pickupCode: reserved, deadline });
    // The code did travel to the platform in the event (the resident must get it) ...
    expect(f.sink.events("parcel.deposited")[0]?.data.pickupCode).toBe(code);
    await f.shutdown();

    const secrets = [code, reserved, COURIER.code, OTHER_COURIER.code];
    const raw = bytesAtRest(f.dbFile);
    // Positive control: the search does find what is stored in clear.
    expect(raw).toContain("PKG-HASH-1");
    expect(raw).toContain(parcelId);
    for (const s of secrets) expect(raw.includes(s), `"${s}" found in the database file`).toBe(false);
    for (const cell of textCells(f.dbFile)) {
      for (const s of secrets) expect(cell.includes(s), `"${s}" found in a table`).toBe(false);
    }

    // ... and what is stored is HMAC-SHA256 with the site key (a different key gives other hashes).
    const db = new Database(f.dbFile, { readonly: true });
    const hmac = (key: Buffer, msg: string) => createHmac("sha256", key).update(msg).digest();
    const pickupHashes = (
      db.prepare("SELECT hash, parcel_id FROM locker_pickup_codes").all() as {
        hash: Buffer;
        parcel_id: string;
      }[]
    ).map((r) => ({ hex: r.hash.toString("hex"), parcel: r.parcel_id }));
    expect(pickupHashes).toContainEqual({
      hex: hmac(SECRET, `pickup:${code}`).toString("hex"),
      parcel: parcelId,
    });
    expect(pickupHashes.map((h) => h.hex)).toContain(hmac(SECRET, `pickup:${reserved}`).toString("hex"));
    const courierHashes = (
      db.prepare("SELECT hash, courier FROM locker_courier_codes ORDER BY courier").all() as {
        hash: Buffer;
        courier: string;
      }[]
    ).map((r) => [r.courier, r.hash.toString("hex")]);
    expect(courierHashes).toEqual([
      [COURIER.id, hmac(SECRET, `courier:${COURIER.code}`).toString("hex")],
      [OTHER_COURIER.id, hmac(SECRET, `courier:${OTHER_COURIER.code}`).toString("hex")],
    ]);
    const otherKey = Buffer.from("another-site-another-secret-key!");
    expect(pickupHashes.map((h) => h.hex)).not.toContain(hmac(otherKey, `pickup:${code}`).toString("hex"));
    db.close();

    // Opened with another site key, the stored hashes are useless: the code opens nothing.
    const stolen = new Database(f.dbFile);
    const thief = new LockerService({
      db: stolen,
      events: f.sink,
      state: { state: () => {} },
      lock: f.port,
      layout: LAYOUT,
      secretKey: otherKey,
      clock: f.clock,
      sweepIntervalMs: 0,
    });
    await expect(thief.pickup("kiosk-2", code)).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
    stolen.close();
    // With the site's key it does.
    await f.restart();
    expect((await f.svc.pickup("kiosk-2", code)).parcelId).toBe(parcelId);
  });

  it("courier.codes.set replaces the whole set", async () => {
    f = await lockerFixture();
    expect(
      await command(f, "courier.codes.set", { couriers: [{ id: "courier-cat", code: "NEWCODE1" }] }),
    ).toEqual({
      count: 1,
    });
    await expect(f.svc.startDeposit("kiosk-1", COURIER.code)).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
    });
    expect((await f.svc.startDeposit("kiosk-1", "NEWCODE1")).courier).toBe("courier-cat");
    await expect(
      command(f, "courier.codes.set", {
        couriers: [
          { id: "a", code: "SAMECODE" },
          { id: "b", code: "SAMECODE" },
        ],
      }),
    ).rejects.toMatchObject({ code: "QH_COMMAND_INVALID" });
    // A refused set changes nothing.
    expect((await f.svc.startDeposit("kiosk-2", "NEWCODE1")).courier).toBe("courier-cat");
  });
});
