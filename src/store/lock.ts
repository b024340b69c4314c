/**
 * The data dir's single-writer lock: `gateway.lock` in the data dir, holding the holder's pid as
 * decimal text (nothing else: `quarterhour store check` reads it too).
 *
 * Why this design rather than the alternatives:
 *  - SQLite's `locking_mode=EXCLUSIVE` would lock the database for every other process, so the
 *    read-only CLI commands (`device list`, `outbox stats`) and an operator's `sqlite3` could no
 *    longer read it, and it says nothing about who holds it.
 *  - Node has no flock/fcntl of its own; a native addon only for this is not worth it, and lock
 *    libraries (proper-lockfile) use a lock *directory* plus mtime staleness, which a clock without
 *    a battery makes unreliable and which does not name the holder's pid.
 *  - So: the file is created with O_CREAT|O_EXCL (atomic on a local file system: exactly one process
 *    wins), the pid written and fsync'd. A file left by a dead process (power cut, SIGKILL) is
 *    stale and taken over. "Dead" is decided without any clock: the pid does not exist, or it is this
 *    very process while it holds no lock on that dir (a reboot gave us the old pid), or it exists but
 *    is not a quarterhour process (on Linux, `/proc/PID/cmdline`: a reboot gave the old pid to another
 *    daemon). A stale file is renamed away (atomic) before the O_EXCL create is tried again, so two
 *    processes racing for a stale lock cannot both win.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { isQhError, QhError } from "../core/errors.js";

export const LOCK_FILE = "gateway.lock";

/** Data dirs this process holds (absolute paths): a second gateway in the same process is refused too. */
const held = new Set<string>();

export interface DataDirLock {
  /** The lock file's path. */
  readonly file: string;
  /** Remove the lock file (only if it still holds our pid). Idempotent. */
  release(): void;
  /** the pid of a dead holder whose stale lock this one took over (a kill -9, a power cut) */
  readonly takenOverFrom?: number;
}

/** The pid written in a data dir's lock file, or undefined when there is none (or it is unreadable). */
export function lockHolder(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, LOCK_FILE), "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a running quarterhour process other than a stale record of this one. */
export function isLiveHolder(pid: number, dataDir: string): boolean {
  if (pid === process.pid) return held.has(resolve(dataDir));
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists, owned by another user
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return true; // no /proc (not Linux) or no access: trust the pid
  }
  return cmdline.includes("quarterhour");
}

/**
 * A coded error for a lock file that cannot be created or written: a read-only data dir is
 * QH_STORE_READONLY (exit 3: a person must fix it), a full disk QH_STORE_FULL, a failing one
 * QH_STORE_IO, anything else QH_STORE_OPEN.
 */
function lockFileError(e: unknown, file: string): QhError {
  const code = (e as NodeJS.ErrnoException).code;
  const msg = `cannot create the lock file ${file}: ${(e as Error).message}`;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS")
    return new QhError("QH_STORE_READONLY", msg, { file });
  if (code === "ENOSPC" || code === "EDQUOT") return new QhError("QH_STORE_FULL", msg, { file });
  if (code === "EIO") return new QhError("QH_STORE_IO", msg, { file });
  return new QhError("QH_STORE_OPEN", msg, { file });
}

/**
 * Take the data dir's lock, or throw `QH_STORE_LOCKED` naming the live holder's pid. A stale lock
 * (see the file comment) is taken over. Throws `QH_STORE_OPEN` when the file cannot be created for
 * another reason (read-only or missing data dir).
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  let takenOverFrom: number | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw lockFileError(e, file);
      const pid = lockHolder(dir);
      if (pid !== undefined && isLiveHolder(pid, dir)) {
        throw new QhError(
          "QH_STORE_LOCKED",
          `the data dir ${dir} is in use by another quarterhour process (pid ${pid}; lock file ${file})`,
          { pid, file },
        );
      }
      if (pid === undefined && attempt === 0) {
        // created by a racing process that has not written its pid yet: look again shortly
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      takeOverStale(file, pid);
      if (pid !== undefined) takenOverFrom = pid;
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      try {
        unlinkSync(file); // an empty lock file would look like a racing process
      } catch {
        // nothing to remove
      }
      throw lockFileError(e, file);
    }
    closeSync(fd);
    held.add(dir);
    let released = false;
    return {
      file,
      ...(takenOverFrom !== undefined ? { takenOverFrom } : {}),
      release() {
        if (released) return;
        released = true;
        held.delete(dir);
        if (lockHolder(dir) === process.pid) {
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        }
      },
    };
  }
  throw new QhError(
    "QH_STORE_LOCKED",
    `could not take the lock file ${file}: another process keeps racing for it`,
  );
}

/** Move a stale lock file aside; if it turns out not to be the stale one we saw, put it back. */
function takeOverStale(file: string, stalePid: number | undefined): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else moved it first: try the create again
  }
  let pid: number | undefined;
  try {
    pid = Number.parseInt(readFileSync(aside, "utf8").trim(), 10);
  } catch {
    pid = undefined;
  }
  if (pid !== undefined && !Number.isNaN(pid) && pid !== stalePid) {
    // a live holder's fresh file, renamed by mistake in a race: restore it unless another exists
    try {
      linkSync(aside, file); // fails if a file exists there by now: never overwrite a lock
    } catch {
      // leave it
    }
    try {
      unlinkSync(aside);
    } catch {
      // gone
    }
    return;
  }
  try {
    unlinkSync(aside);
  } catch {
    // gone
  }
}

/** {@link acquireDataDirLock}, retried every 100 ms for up to `waitMs` while a live process holds it. */
export async function acquireDataDirLockWaiting(dataDir: string, waitMs: number): Promise<DataDirLock> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    try {
      return acquireDataDirLock(dataDir);
    } catch (err) {
      if (!isQhError(err, "QH_STORE_LOCKED") || performance.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
