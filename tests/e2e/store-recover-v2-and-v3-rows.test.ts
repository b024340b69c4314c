/**
 * `quarterhour store recover` on both outbox formats: a store of core schema 3 (compact rows,
 * 1 KiB pages, the envelope built at send time) and one left by v0.1.0 (schema 2, the envelope in
 * `events.body`, 4 KiB pages). Every event SQLite can still read comes back, and is sent as the
 * same bytes as before the damage: for schema 3 the kinds dictionary must come through too; a
 * recovered schema-2 file is upgraded by the next open. Real files, damaged by writing bytes into
 * them; the CLI runs as a child process.
 */
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { openDatabase } from "../../src/store/db.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { storedEvents } from "../helpers/outbox-rows.js";
import { makeStore, storeSite, writeBytes } from "../helpers/store-files.js";
import { makeV2Store, type V2Event, v2Body } from "../helpers/v2-store.js";

const root = tempDir("qh-recover-rows-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const site = (name: string): { dataDir: string; config: string } => storeSite(root, name);

/** Recover with the CLI; the envelopes the recovered store sends, by seq. */
function recover(dataDir: string, config: string): Map<number, string> {
  const r = runCli(["store", "recover", "--json", "--config", config, "--data-dir", dataDir]);
  expect(r.status, r.stderr).toBe(0);
  const db = openDatabase({ dataDir }); // migrates a schema-2 file, as the gateway's start does
  try {
    expect(db.prepare("SELECT version FROM schema_version WHERE component = 'core'").pluck().get()).toBe(3);
    return new Map(storedEvents(db).map((e) => [e.seq, e.body]));
  } finally {
    db.close();
  }
}

/** The leaf pages of `events` and the page size (SQLite's dbstat). */
function leaves(file: string): { pages: number[]; pageSize: number } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      pages: db
        .prepare("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno")
        .pluck()
        .all() as number[],
      pageSize: db.pragma("page_size", { simple: true }) as number,
    };
  } finally {
    db.close();
  }
}

function v2Events(n: number): V2Event[] {
  const t0 = Date.parse("2026-11-27T08:15:02.113Z");
  return Array.from({ length: n }, (_, i) => {
    const seq = i + 1;
    const e = {
      seq,
      id: newId(t0 + seq),
      ts: t0 + seq,
      gw: "gw-test",
      device: `locker-${seq % 3}`,
      type: "door.opened",
      data: `{"n":${seq}, "pad":"${"x".repeat(150)}"}`,
      unsynced: seq % 7 === 0,
    };
    return { seq, id: e.id, ts: e.ts, device: e.device, type: e.type, body: v2Body(e) };
  });
}

describe("store recover keeps the events it can read, byte for byte", () => {
  it("a schema-3 store with one damaged events page: the other events, as they were sent", () => {
    const { dataDir, config } = site("v3-page");
    const store = makeStore(dataDir, 600);
    expect(store.pageSize).toBe(1024);
    const db = openDatabase({ dataDir });
    const before = new Map(storedEvents(db).map((e) => [e.seq, e.body]));
    db.close();
    const page = store.leafPages[Math.floor(store.leafPages.length / 2)]!;
    writeBytes(store.file, (page - 1) * store.pageSize, Buffer.alloc(store.pageSize, 0x5a));
    const after = recover(dataDir, config);
    expect(after.size).toBeLessThan(600);
    expect(after.size).toBeGreaterThan(600 - 10); // a 1 KiB page holds a few events
    for (const [seq, body] of after) expect(body).toBe(before.get(seq));
  });

  it("a schema-3 store with a garbage header: every event, the page size found again", () => {
    const { dataDir, config } = site("v3-header");
    makeStore(dataDir, 300);
    const db = openDatabase({ dataDir });
    const before = storedEvents(db).map((e) => e.body);
    db.close();
    const file = join(dataDir, "quarterhour.db");
    writeBytes(file, 0, Buffer.alloc(100, 0xa5));
    const after = recover(dataDir, config);
    expect([...after.values()]).toEqual(before);
  });

  it("a v0.1.0 store (schema 2) with one damaged events page: the rest, upgraded, sent as before", () => {
    const { dataDir, config } = site("v2-page");
    const events = v2Events(400);
    const file = makeV2Store(dataDir, events, 0);
    const { pages, pageSize } = leaves(file);
    expect(pageSize).toBe(4096);
    writeBytes(file, (pages[Math.floor(pages.length / 2)]! - 1) * pageSize, Buffer.alloc(pageSize, 0x5a));
    const after = recover(dataDir, config);
    expect(after.size).toBeLessThan(400);
    expect(after.size).toBeGreaterThan(400 - 30); // a 4 KiB page held about 10 of these
    const old = new Map(events.map((e) => [e.seq, e.body]));
    for (const [seq, body] of after) expect(body).toBe(old.get(seq));
  });

  it("a v0.1.0 store with a garbage header: every event, upgraded, sent as before", () => {
    const { dataDir, config } = site("v2-header");
    const events = v2Events(200);
    const file = makeV2Store(dataDir, events, 50);
    const size = statSync(file).size;
    writeBytes(file, 0, Buffer.alloc(100, 0xa5));
    expect(readFileSync(file).length).toBe(size);
    const after = recover(dataDir, config);
    expect([...after.values()]).toEqual(events.map((e) => e.body));
  });
});
