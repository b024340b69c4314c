/**
 * The kinds dictionary (`event_kinds`, core schema 3) lost to a damaged page. An outbox row names
 * its device and type only through its kind: `store recover` must restore the kinds from their
 * second copy, set aside (never re-label) events whose kind is lost from both copies, and a new
 * kind must never get a number an old event refers to (else old events go upstream, with their
 * original ids, under another device and type). Real files damaged by writing bytes into them;
 * the CLI runs as a child process.
 */
import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { openDatabase } from "../../src/store/db.js";
import { Outbox } from "../../src/store/outbox.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { storedEvents } from "../helpers/outbox-rows.js";
import { storeSite, writeBytes } from "../helpers/store-files.js";

const root = tempDir("qh-recover-kinds-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const site = (name: string) => storeSite(root, name);

/** 300 events from three devices with two types each; the store checkpointed, closed. */
function fill(dataDir: string): Map<number, string> {
  const db = openDatabase({ dataDir });
  const o = new Outbox(db);
  db.transaction(() => {
    for (let s = 1; s <= 300; s++)
      o.insert(
        "gw-test",
        s,
        newId(),
        Date.now(),
        `dev-${s % 3}`,
        s % 2 ? "door.opened" : "door.closed",
        `{"n":${s}}`,
      );
  })();
  const bodies = new Map(storedEvents(db).map((e) => [e.seq, e.body]));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return bodies;
}

function wreck(file: string, table: string): void {
  const db = new Database(file, { readonly: true });
  const page = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").pluck().get(table) as number;
  const ps = db.pragma("page_size", { simple: true }) as number;
  db.close();
  writeBytes(file, (page - 1) * ps, Buffer.alloc(ps, 0x5a));
}

describe("store recover with the event_kinds page lost", () => {
  it("restores the kinds from their second copy: every event sent as before", () => {
    const { dataDir, config, file } = site("copy");
    const before = fill(dataDir);
    wreck(file, "event_kinds");
    const r = runCli(["store", "recover", "--config", config]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/event kinds: 6 restored from their second copy/);
    const db = openDatabase({ dataDir });
    try {
      const after = storedEvents(db);
      expect(after.length).toBe(300);
      for (const e of after) expect(e.body).toBe(before.get(e.seq));
    } finally {
      db.close();
    }
  });

  it("lost from both copies: the events are set aside, reported, and their kinds never reused", () => {
    const { dataDir, config, file } = site("both");
    fill(dataDir);
    wreck(file, "event_kinds");
    wreck(file, "meta");
    const r = runCli(["store", "recover", "--json", "--config", config]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { kinds: { lostKinds: number[]; stranded: number } };
    expect(j.kinds.lostKinds).toEqual([1, 2, 3, 4, 5, 6]);
    expect(j.kinds.stranded).toBe(300);
    const text = runCli(["store", "check", "--config", config]);
    expect(text.status, text.stdout).toBe(0);
    const db = openDatabase({ dataDir });
    try {
      expect(storedEvents(db)).toEqual([]); // nothing is sent under a guessed device or type
      expect(db.prepare("SELECT count(*) FROM events_stranded").pluck().get()).toBe(300);
      // a device publishes after the recovery: its new kind gets a number no old event has
      const o = new Outbox(db);
      o.insert("gw-test", 301, newId(), Date.now(), "dev-new", "brand.new", '{"fresh":1}');
      const kind = db.prepare("SELECT kind FROM events WHERE seq = 301").pluck().get() as number;
      expect(kind).toBeGreaterThan(6);
      const sent = storedEvents(db);
      expect(sent.map((e) => [e.seq, e.device, e.type])).toEqual([[301, "dev-new", "brand.new"]]);
    } finally {
      db.close();
    }
  });

  it("a new kind is numbered above kinds old events refer to, even with the table and copy gone", () => {
    const { dataDir } = site("reuse");
    const before = fill(dataDir);
    const db = openDatabase({ dataDir });
    try {
      db.exec("DELETE FROM event_kinds; DELETE FROM meta WHERE key LIKE 'event_kind.%'");
      const o = new Outbox(db);
      o.insert("gw-test", 301, newId(), Date.now(), "dev-new", "brand.new", '{"fresh":1}');
      const kind = db.prepare("SELECT kind FROM events WHERE seq = 301").pluck().get() as number;
      expect(kind).toBe(7);
      expect(before.size).toBe(300);
      expect(() => storedEvents(db)).toThrow(/QH_STORE_CORRUPT|event kind 1 is missing/);
    } finally {
      db.close();
    }
  });
});
