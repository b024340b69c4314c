import { closeSync, mkdirSync, openSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { newId } from "../../src/core/ids.js";
import { openDatabase } from "../../src/store/db.js";
import { Outbox } from "../../src/store/outbox.js";
import { writeConfig } from "./cli.js";

/**
 * A real gateway store in `dataDir` holding events seq 1..n (200-byte bodies), checkpointed into
 * the main file (no -wal) so that bytes written into the file are what SQLite reads.
 * @returns the page numbers of the events table's leaf pages (from SQLite's dbstat), the root
 * page of each table and index, and the store's page size.
 */
export function makeStore(
  dataDir: string,
  n: number,
): {
  file: string;
  leafPages: number[];
  rootPage: number;
  pageSize: number;
  rootPages: Record<string, number>;
} {
  const db = openDatabase({ dataDir });
  const o = new Outbox(db);
  db.transaction(() => {
    for (let s = 1; s <= n; s++)
      o.insert(
        "gw-test",
        s,
        newId(),
        Date.now(),
        "dev-1",
        "door.opened",
        JSON.stringify({ n: s, pad: "x".repeat(160) }),
      );
  })();
  const leafPages = (
    db
      .prepare("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno")
      .all() as {
      pageno: number;
    }[]
  ).map((r) => r.pageno);
  const rootPages = Object.fromEntries(
    (
      db.prepare("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0").all() as {
        name: string;
        rootpage: number;
      }[]
    ).map((r) => [r.name, r.rootpage]),
  );
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return {
    file: join(dataDir, "quarterhour.db"),
    leafPages,
    rootPage: rootPages.events!,
    pageSize,
    rootPages,
  };
}

/** Overwrite `bytes.length` bytes of `file` at `offset`. */
export function writeBytes(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

/** SQLite's default page size (stores before core schema 3, and plain SQLite files). */
export const PAGE = 4096;

/** The three damages from the field: a garbage header, a cut-off file, one damaged page. */
export const DAMAGES: Record<
  string,
  (s: { file: string; leafPages: number[]; pageSize: number }, size: number) => void
> = {
  "garbage header": (s) => writeBytes(s.file, 0, Buffer.alloc(100, 0xa5)),
  "truncated file": (s, size) => truncateSync(s.file, Math.floor(size * 0.6) + 123),
  "one damaged page": (s) => {
    const page = s.leafPages[Math.floor(s.leafPages.length / 2)]!;
    writeBytes(s.file, (page - 1) * s.pageSize, Buffer.alloc(s.pageSize, 0x5a));
  },
};

/**
 * A site for the store CLI tests under `root/name`: an empty data dir and a config naming it (an
 * uplink nobody answers). `file` is where its database lives.
 */
export function storeSite(root: string, name: string): { dataDir: string; config: string; file: string } {
  const dataDir = join(root, name, "data");
  mkdirSync(dataDir, { recursive: true });
  const config = writeConfig(join(root, name), {
    gateway: { id: "gw-test", site: "s" },
    dataDir,
    uplink: { url: "mqtt://127.0.0.1:1" },
  });
  return { dataDir, config, file: join(dataDir, "quarterhour.db") };
}
