import { describe, expect, it } from "vitest";
import { newId } from "../../../src/core/ids.js";
import { Outbox } from "../../../src/store/outbox.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();

describe("outbox: a secret the platform needed once is removed after delivery", () => {
  it("scrubs delivered events of the type only, never pending ones", () => {
    const o = new Outbox(store.db);
    o.insert("g", 1, newId(), 0, "d", "parcel.deposited", '{"pickupCode":"123456", "compartment":"A01"}');
    o.insert("g", 2, newId(), 0, "d", "door.opened", '{"pickupCode":"keep-other-types"}');
    o.insert("g", 3, newId(), 0, "d", "parcel.deposited", '{"pickupCode":"654321"}');
    o.markDelivered([[1, 2]], 10);
    const upTo = o.scrubDelivered("parcel.deposited", "$.data.pickupCode", 0);
    expect(upTo).toBe(2);
    const bodies = () => o.range(1, 3, 10).map((r) => r.body);
    const [b1, b2, b3] = bodies();
    // the envelope a replay sends: the member gone, the rest of it as before
    const e1 = JSON.parse(b1!);
    expect(e1.data).toEqual({ compartment: "A01" });
    expect(e1).toMatchObject({ seq: 1, gw: "g", device: "d", type: "parcel.deposited" });
    expect(b1).toContain('"data":{"compartment":"A01"}}');
    expect(JSON.parse(b2!).data).toEqual({ pickupCode: "keep-other-types" });
    expect(JSON.parse(b3!).data).toEqual({ pickupCode: "654321" }); // not delivered yet
    o.markDelivered([[3, 3]], 11);
    expect(o.scrubDelivered("parcel.deposited", "$.data.pickupCode", upTo)).toBe(3);
    expect(bodies()[2]).not.toContain("654321");
    expect(store.db.prepare("SELECT data FROM events WHERE seq = 3").pluck().get()).toBe("{}");
  });
});
