/**
 * Core schema 3 (compact outbox rows, the envelope built at send time): a store left by a v0.1.0
 * gateway (schema 2, the envelope stored in `events.body`) is upgraded when the new gateway opens
 * it, and every pending event reaches the platform byte for byte as the old gateway would have
 * sent it: unsynchronised-clock flags, payloads with spaces and escapes as the device sent them,
 * a payload scrubbed by SQLite's json_remove, an event accepted under an earlier gateway id, and a
 * row in no shape the new format knows (kept verbatim). Delivered events stay delivered.
 */
import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../../src/core/ids.js";
import { mqttDevices, startTestGateway, tempDir, testConfig } from "../../helpers/gateway.js";
import { storedEvents } from "../../helpers/outbox-rows.js";
import { Platform, startAedes, type Upstream } from "../../helpers/upstream.js";
import { makeV2Store, type V2Event, v2Body } from "../../helpers/v2-store.js";

const T0 = Date.parse("2026-11-27T08:15:02.113Z");

/** Events of a v0.1.0 store: 1-3 delivered (watermark), the rest pending but 7 (delivered per row). */
function oldEvents(): V2Event[] {
  const ev = (
    seq: number,
    data: string,
    o: { device?: string; type?: string; gw?: string; unsynced?: boolean; id?: string } = {},
  ): V2Event => {
    const e = {
      seq,
      id: o.id ?? newId(T0 + seq),
      ts: T0 + seq * 1000,
      gw: o.gw ?? "gw-test",
      device: o.device ?? "locker-1",
      type: o.type ?? "door.opened",
      data,
      unsynced: o.unsynced,
    };
    return { seq, id: e.id, ts: e.ts, device: e.device, type: e.type, body: v2Body(e) };
  };
  const scrubbed = ev(10, '{"pickupCode":"123456", "compartment":"A01"}', { type: "parcel.deposited" });
  // what v0.1.0's scrub wrote: json_remove over the whole envelope (re-serialised, minified)
  const mem = new Database(":memory:");
  scrubbed.body = mem
    .prepare("SELECT json_remove(?, '$.data.pickupCode')")
    .pluck()
    .get(scrubbed.body) as string;
  mem.close();
  return [
    ev(1, '{"n":1}'),
    ev(2, '{"n":2}'),
    ev(3, '{"n":3}'),
    ev(4, '{"kwh":12.5}', { device: "meter-1", type: "meter.reading" }),
    ev(5, '{"n":5}', { unsynced: true }),
    ev(6, '{ "name" : "caf\\u00e9 \\"x\\"", "n": 1.50, "list": [1, 2 ,3] }'),
    { ...ev(7, '{"n":7}'), deliveredAt: T0 },
    { ...ev(8, '{"n":8}'), id: "legacy-8", body: '{"legacy":true,"seq":8}' },
    ev(9, '{"n":9}', { gw: "gw-old" }),
    scrubbed,
    ev(11, '{"n":11}', { unsynced: true, type: "parcel.deposited" }),
  ];
}

describe("outbox schema 3: an upgraded store sends its pending events byte for byte", () => {
  let up: Upstream | undefined;
  let platform: Platform | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    await platform?.close();
    await up?.stop();
  });

  for (const maxEvents of [1, 100]) {
    it(`keeps every pending event and sends each as before (uplink maxEvents ${maxEvents})`, async () => {
      const dataDir = tempDir();
      const events = oldEvents();
      makeV2Store(dataDir, events, 3);
      up = await startAedes();
      platform = await Platform.connect(up.url);
      const gw = await startTestGateway(
        testConfig(
          up.url,
          { uplink: { batch: { maxEvents } }, devices: mqttDevices("locker-1", "meter-1") },
          dataDir,
        ),
      );
      cleanup = () => gw.cleanup().finally(() => rmSync(dataDir, { recursive: true, force: true }));
      const pending = events.filter((e) => e.seq > 3 && e.deliveredAt === undefined);
      const sent = () => {
        const payloads = platform!.messages.filter((m) => /\/(events|evt\/[^/]+)$/.test(m.topic));
        return maxEvents === 1
          ? payloads.map((m) => m.payload)
          : payloads.flatMap((m) => splitBatch(m.payload));
      };
      await platform.waitFor(() => sent().length >= pending.length, 20_000, "the pending events");
      // byte for byte, in seq order, each once
      expect(sent()).toEqual(pending.map((e) => e.body));
      if (maxEvents === 1) {
        const topics = platform.messages.filter((m) => m.topic.includes("/evt/")).map((m) => m.topic);
        expect(topics).toEqual(pending.map((e) => `qh/v1/gw-test/dev/${e.device}/evt/${e.type}`));
      }
      // upgraded: compact rows, the one row in no known shape kept verbatim
      expect(gw.db.prepare("SELECT version FROM schema_version WHERE component = 'core'").pluck().get()).toBe(
        3,
      );
      expect(gw.db.prepare("SELECT seq FROM events WHERE flags & 2 != 0").pluck().all()).toEqual([8]);
      expect(gw.db.prepare("SELECT count(*) FROM events WHERE typeof(id) = 'blob'").pluck().get()).toBe(10);
      // the upgraded store keeps all of them for replay, and seq goes on from the last
      expect(storedEvents(gw.db).map((r) => r.body)).toEqual(events.map((e) => e.body));
      expect((await gw.ingest.emit({ device: "locker-1", type: "door.opened", data: {} })).seq).toBe(12);
      // a small existing store is rewritten once with the page size of new stores, in WAL mode
      expect(gw.db.pragma("page_size", { simple: true })).toBe(1024);
      expect(gw.db.pragma("journal_mode", { simple: true })).toBe("wal");
    });
  }
});

/**
 * The envelopes of a batch message, as the texts they were joined from (`[` e1 `,` e2 … `]`),
 * found by parsing: each envelope is a JSON object, so its end is where the brackets balance.
 */
function splitBatch(payload: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 1; i < payload.length - 1; i++) {
    const c = payload[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) out.push(payload.slice(start, i + 1));
    }
  }
  return out;
}
