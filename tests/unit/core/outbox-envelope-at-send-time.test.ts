/**
 * Core schema 3 stores the device's payload and compact metadata and builds the envelope when the
 * event is sent. The envelope built from the stored row (backlog lane, replay) must be the bytes
 * v0.1.0 stored and sent (tests/helpers/v2-store.ts `v2Body`, its serialisation), and the bytes
 * ingest hands the live lane, with the clock-unsynced flag and without, for payloads as devices
 * send them (spaces, escapes, non-ASCII).
 */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { newId } from "../../../src/core/ids.js";
import { type CommittedRow, Ingest } from "../../../src/pipeline/ingest.js";
import {
  FLAG_UNSYNCED,
  FLAG_VERBATIM,
  fromV2,
  idFromBytes,
  idToBytes,
} from "../../../src/store/event-row.js";
import { Outbox } from "../../../src/store/outbox.js";
import { useTempDb } from "../../helpers/temp-db.js";
import { v2Body } from "../../helpers/v2-store.js";

const store = useTempDb();

const PAYLOADS = [
  "{}",
  '{"kwh":12.5}',
  '{ "name" : "caf\\u00e9 \\"x\\"", "n": 1.50, "list": [1, 2 ,3] }',
  '{"text":"Grüße, 包裹 ✓","nested":{"a":[{"b":null}]}}',
];

describe("the envelope built at send time", () => {
  it("equals the stored envelope of v0.1.0 and the live lane's, with and without clock unsynced", async () => {
    const clock = new ManualClock(Date.parse("2026-11-27T08:15:02.113Z"));
    const live: CommittedRow[] = [];
    const outbox = new Outbox(store.db);
    const ing = new Ingest({
      db: store.db,
      outbox,
      gatewayId: "gw-t",
      clock,
      registry: new Registry(),
      onCommitted: (rows) => live.push(...rows),
    });
    const accepted: { id: string; seq: number; ts: number; data: string; unsynced: boolean }[] = [];
    for (const unsynced of [false, true]) {
      clock.setSynced(!unsynced);
      for (const data of PAYLOADS) {
        clock.advance(1);
        const ts = unsynced ? undefined : clock.now() - 5000; // the device's own time, or none
        const acc = await new Promise<{ id: string; seq: number }>((resolve, reject) =>
          ing.acceptRaw("locker-1", "door.opened", data, ts, (err, a) => (err ? reject(err) : resolve(a!))),
        );
        accepted.push({ ...acc, ts: ts ?? clock.now(), data, unsynced });
      }
    }
    const old = accepted.map((a) =>
      v2Body({ ...a, gw: "gw-t", device: "locker-1", type: "door.opened", unsynced: a.unsynced }),
    );
    expect(old.filter((b) => b.endsWith(',"clock":"unsynced"}'))).toHaveLength(PAYLOADS.length);
    // the live lane, the backlog lane and replay: the same bytes, and v0.1.0's
    expect(live.map((r) => r.body)).toEqual(old);
    expect(outbox.pendingPage(1, 100, 100).map((r) => r.body)).toEqual(old);
    expect(outbox.range(1, 100, 100).map((r) => r.body)).toEqual(old);
    // a restarted gateway (kinds read back from the table) builds the same
    store.reopen();
    expect(new Outbox(store.db).range(1, 100, 100).map((r) => r.body)).toEqual(old);
    // the row holds the payload as sent, not the envelope
    const rows = store.db.prepare("SELECT id, flags, data FROM events ORDER BY seq").all() as {
      id: Buffer;
      flags: number;
      data: string;
    }[];
    expect(rows.map((r) => r.data)).toEqual(accepted.map((a) => a.data));
    expect(rows.map((r) => r.flags)).toEqual(accepted.map((a) => (a.unsynced ? FLAG_UNSYNCED : 0)));
    expect(rows.every((r) => Buffer.isBuffer(r.id) && r.id.length === 16)).toBe(true);
  });

  it("stores an id in 16 bytes and gives back the same text", () => {
    for (let i = 0; i < 1000; i++) {
      const id = newId();
      expect(idFromBytes(idToBytes(id))).toBe(id);
    }
    expect(() => idToBytes("legacy-8")).toThrow(TypeError);
    expect(() => idToBytes("0193ABCD-EF01-7ABC-8DEF-0123456789AB")).toThrow(TypeError);
  });

  it("splits a v2 envelope into the compact fields only when it is rebuilt byte for byte", () => {
    const id = newId();
    const e = { id, seq: 7, ts: 1_764_230_102_113, device: "d-1", type: "t.x" };
    for (const unsynced of [false, true])
      for (const data of PAYLOADS) {
        const body = v2Body({ ...e, gw: "gw-a", data, unsynced });
        expect(fromV2({ ...e, body })).toEqual({
          id: idToBytes(id),
          gw: "gw-a",
          flags: unsynced ? FLAG_UNSYNCED : 0,
          data,
        });
      }
    const verbatim = (body: string, over: Partial<typeof e> = {}) =>
      expect(fromV2({ ...e, ...over, body })).toMatchObject({ flags: FLAG_VERBATIM, data: body });
    verbatim("{}");
    verbatim(v2Body({ ...e, gw: "gw-a", data: "{}" }), { id: "legacy-7" });
    verbatim(v2Body({ ...e, gw: "gw-a", data: "{}" }), { ts: e.ts + 1 }); // columns disagree
    verbatim(v2Body({ ...e, gw: "gw-a", data: "{}" }).replace('"seq":7', '"seq": 7'));
    verbatim(v2Body({ ...e, gw: "gw-a", data: "[1]" })); // data is not an object
  });
});
