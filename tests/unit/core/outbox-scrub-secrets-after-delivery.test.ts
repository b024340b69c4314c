import { afterEach, describe, expect, it } from "vitest";
import { Outbox } from "../../../src/store/outbox.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();
afterEach(() => {});

const body = (seq: number, type: string, data: object) =>
  JSON.stringify({ id: `id-${seq}`, seq, ts: "2026-01-01T00:00:00.000Z", gw: "g", device: "d", type, data });

describe("outbox: a secret the platform needed once is removed after delivery", () => {
  it("scrubs delivered events of the type only, never pending ones", () => {
    const o = new Outbox(store.db);
    o.insert(
      1,
      "id-1",
      0,
      "d",
      "parcel.deposited",
      body(1, "parcel.deposited", { pickupCode: "123456", compartment: "A01" }),
    );
    o.insert(2, "id-2", 0, "d", "door.opened", body(2, "door.opened", { pickupCode: "keep-other-types" }));
    o.insert(3, "id-3", 0, "d", "parcel.deposited", body(3, "parcel.deposited", { pickupCode: "654321" }));
    o.markDelivered([[1, 2]], 10);
    const upTo = o.scrubDelivered("parcel.deposited", "$.data.pickupCode", 0);
    expect(upTo).toBe(2);
    const rows = store.db.prepare("SELECT seq, body FROM events ORDER BY seq").all() as {
      seq: number;
      body: string;
    }[];
    expect(JSON.parse(rows[0]!.body).data).toEqual({ compartment: "A01" });
    expect(JSON.parse(rows[1]!.body).data).toEqual({ pickupCode: "keep-other-types" });
    expect(JSON.parse(rows[2]!.body).data).toEqual({ pickupCode: "654321" }); // not delivered yet
    o.markDelivered([[3, 3]], 11);
    expect(o.scrubDelivered("parcel.deposited", "$.data.pickupCode", upTo)).toBe(3);
    expect(store.db.prepare("SELECT body FROM events WHERE seq = 3").pluck().get()).not.toContain("654321");
  });
});
