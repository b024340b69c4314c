import { rmSync } from "node:fs";
import { afterEach, beforeEach } from "vitest";
import { type Db, openDatabase } from "../../src/store/db.js";
import { tempDir } from "./gateway.js";

export interface TempDb {
  dir: string;
  db: Db;
  /** Close and open the same file again: what a restart does. */
  reopen(): Db;
}

/** A migrated gateway database in a fresh temp dir for each test, removed after it. */
export function useTempDb(): TempDb {
  const t = {
    reopen() {
      t.db.close();
      t.db = openDatabase({ dataDir: t.dir });
      return t.db;
    },
  } as TempDb;
  beforeEach(() => {
    t.dir = tempDir();
    t.db = openDatabase({ dataDir: t.dir });
  });
  afterEach(() => {
    t.db.close();
    rmSync(t.dir, { recursive: true, force: true });
  });
  return t;
}
