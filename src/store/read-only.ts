/**
 * Opening the store for reading only (`store check`, `store backup`, `outbox stats`, other CLI
 * readers): never writes or creates a file in the data dir, works on a read-only mount (a card
 * the kernel remounted read-only after I/O errors: "take a backup while the card still reads"),
 * and recognises a rewrite that was interrupted (a hot rollback journal).
 *
 * A WAL store is read through its `-shm` index, which SQLite creates if missing (so a plain
 * read-only open of a store without `-wal`/`-shm` creates both). Without them no connection has
 * the store open in WAL mode and the WAL holds nothing: the file is opened `immutable=1` (SQLite
 * URI, https://sqlite.org/uri.html#uriimmutable), which reads it without any lock or side file.
 * With them (a gateway running, or killed), a shared read-only connection sees the WAL's commits;
 * where that fails (read-only mount, no write permission on the data dir) the file is read
 * immutable and `walUnread` says that the WAL's last commits are not in what was read.
 */
import { existsSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { QhError } from "../core/errors.js";

// better-sqlite3 reads this when its native addon loads (at the first `new Database`):
// URI file names ("file:…?immutable=1") are then understood. Plain paths mean the same as before.
process.env.SQLITE_USE_URI ??= "1";

export interface ReadOnlyStore {
  db: Database.Database;
  /** bytes in the -wal file (0 when there is none) */
  walBytes: number;
  /** the WAL holds commits that could not be read (read-only mount or no permission): see above */
  walUnread: boolean;
  /** how the file was opened */
  mode: "shared" | "immutable";
}

const sizeOf = (f: string): number => statSync(f, { throwIfNoEntry: false })?.size ?? 0;

/**
 * Refuse to read a store whose rollback journal is hot: a VACUUM (the page-size conversion at the
 * first start after an upgrade, page-size.ts) was interrupted and the file is half rewritten until
 * a read-write open rolls it back.
 * @throws QhError QH_STORE_INTERRUPTED naming the journal.
 */
export function assertNoHotJournal(file: string): void {
  const journal = `${file}-journal`;
  const bytes = sizeOf(journal);
  if (bytes > 0)
    throw new QhError(
      "QH_STORE_INTERRUPTED",
      `${journal} (${bytes} bytes) is left from an interrupted rewrite of the store (the page-size conversion at the first start after an upgrade): ${file} is inconsistent until the gateway's next start rolls it back`,
      { file, journal, bytes },
    );
}

function immutable(file: string): Database.Database {
  return new Database(`file:${encodeURI(file).replaceAll("?", "%3f").replaceAll("#", "%23")}?immutable=1`, {
    readonly: true,
    fileMustExist: true,
  });
}

/**
 * Open `file` (an existing store) for reading only; see the module comment.
 * @throws QhError QH_STORE_INTERRUPTED for a hot journal; SQLite's error when it cannot open it.
 */
export function openReadOnly(file: string): ReadOnlyStore {
  assertNoHotJournal(file);
  const wal = `${file}-wal`;
  const walBytes = sizeOf(wal);
  if (!existsSync(wal) && !existsSync(`${file}-shm`))
    return { db: immutable(file), walBytes, walUnread: false, mode: "immutable" };
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    db.prepare("SELECT count(*) FROM sqlite_master").get(); // reads the WAL index
    return { db, walBytes, walUnread: false, mode: "shared" };
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code ?? "";
    if (!/^SQLITE_(READONLY|CANTOPEN|PERM)/.test(code)) throw err;
    return { db: immutable(file), walBytes, walUnread: walBytes > 0, mode: "immutable" };
  }
}
