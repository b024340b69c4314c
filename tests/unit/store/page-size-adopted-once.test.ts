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
import { adoptPageSize, type UpgradeLog } from "../../../src/store/page-size.js";
import { tempDir } from "../../helpers/gateway.js";
import { storedEvents } from "../../helpers/outbox-rows.js";
import { mountSmallDisk, SMALL_DISK_UNAVAILABLE } from "../../helpers/small-disk.js";
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

  it("logs the upgrade and the conversion: start, end and duration", () => {
    oldStore(300);
    const { log, lines } = capture();
    openDatabase({ dataDir: dir, log }).close();
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toEqual([
      "store upgrade started (core schema; no way back: docs/operations.md)",
      "store upgrade done",
      "page-size conversion started (a rewrite of the store, once)",
      "page-size conversion done",
    ]);
    expect(lines[0]).toMatchObject({ level: "info", from: 2, to: 3, events: 300 });
    expect(lines[1]!.ms).toEqual(expect.any(Number));
    expect(lines[3]).toMatchObject({ from: 4096, to: 1024, ms: expect.any(Number) });
  });

  it("logs a skip with its reason (too big), and a failure with SQLite's error", () => {
    const { file } = oldStore(50);
    const { log, lines } = capture();
    const db = new Database(file);
    const reader = new Database(file, { readonly: true });
    try {
      expect(adoptPageSize(db, file, dir, 1024, 1000, log)).toBe(4096);
      reader.exec("BEGIN");
      reader.prepare("SELECT count(*) FROM events").get();
      db.pragma("busy_timeout = 0");
      expect(adoptPageSize(db, file, dir, 1024, undefined, log)).toBe(4096);
      reader.exec("COMMIT");
    } finally {
      reader.close();
      db.close();
    }
    expect(lines[0]).toMatchObject({
      level: "info",
      msg: "page-size conversion skipped: the store is too big",
    });
    expect(lines.at(-1)).toMatchObject({
      level: "warn",
      msg: "page-size conversion failed: the store stays as it was; the next start tries again",
      code: expect.stringMatching(/^SQLITE_BUSY|^SQLITE_LOCKED/),
    });
  });

  it.skipIf(SMALL_DISK_UNAVAILABLE !== undefined)(
    "is skipped, and says so, when SQLite's temp dir (another volume) has no room for VACUUM's copy",
    () => {
      const { file } = oldStore(300);
      const tmp = mountSmallDisk(1);
      const prior = process.env.SQLITE_TMPDIR;
      process.env.SQLITE_TMPDIR = tmp.dir;
      const { log, lines } = capture();
      const db = new Database(file);
      try {
        tmp.fill();
        expect(adoptPageSize(db, file, dir, 1024, undefined, log)).toBe(4096);
        expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      } finally {
        db.close();
        if (prior === undefined) delete process.env.SQLITE_TMPDIR;
        else process.env.SQLITE_TMPDIR = prior;
        tmp.unmount();
      }
      expect(lines).toEqual([
        expect.objectContaining({
          msg: "page-size conversion skipped: not enough free space",
          why: expect.stringContaining(`SQLite's temp dir ${tmp.dir}`),
        }),
      ]);
    },
  );
});

function capture(): { log: UpgradeLog; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    log: {
      info: (o, msg) => lines.push({ level: "info", ...o, msg }),
      warn: (o, msg) => lines.push({ level: "warn", ...o, msg }),
    },
  };
}
