/**
 * A store made with 4 KiB pages (before core schema 3) gets 1 KiB pages at open, once, when that
 * is cheap and safe (src/store/page-size.ts), and stays as it was, in WAL mode, when it is not:
 * too big, or another connection holds the file. Real SQLite files in a temp dir.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../../src/core/ids.js";
import { openDatabase } from "../../../src/store/db.js";
import { adoptPageSize } from "../../../src/store/page-size.js";
import { tempDir } from "../../helpers/gateway.js";
import { storedEvents } from "../../helpers/outbox-rows.js";
import { makeV2Store, v2Body } from "../../helpers/v2-store.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function oldStore(n: number): { file: string; bodies: string[] } {
  dir = tempDir();
  const events = Array.from({ length: n }, (_, i) => {
    const e = { seq: i + 1, id: newId(), ts: 1_764_230_102_113 + i, gw: "gw-t", device: "d", type: "t.x" };
    return { ...e, body: v2Body({ ...e, data: `{"i":${i}}` }) };
  });
  return { file: makeV2Store(dir, events, 0), bodies: events.map((e) => e.body) };
}

describe("page size of a store made before 1 KiB pages", () => {
  it("is rewritten once at open, every event kept, back in WAL mode", () => {
    const { file, bodies } = oldStore(500);
    const db = openDatabase({ dataDir: dir });
    try {
      expect(db.pragma("page_size", { simple: true })).toBe(1024);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(storedEvents(db).map((e) => e.body)).toEqual(bodies);
      expect(db.pragma("quick_check", { simple: true })).toBe("ok");
    } finally {
      db.close();
    }
    expect(file).toBe(join(dir, "quarterhour.db"));
  });

  it("stays as it was when the file is bigger than the limit", () => {
    const { file } = oldStore(50);
    const db = new Database(file);
    try {
      expect(adoptPageSize(db, file, dir, 1024, 1000)).toBe(4096);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("stays as it was, in WAL mode, while another connection reads the file", () => {
    const { file } = oldStore(50);
    const reader = new Database(file, { readonly: true });
    const db = new Database(file);
    try {
      reader.exec("BEGIN");
      reader.prepare("SELECT count(*) FROM events").get();
      db.pragma("busy_timeout = 0");
      expect(adoptPageSize(db, file, dir, 1024)).toBe(4096);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      reader.exec("COMMIT");
    } finally {
      reader.close();
      db.close();
    }
  });
});
