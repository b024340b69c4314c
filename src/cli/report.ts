/**
 * How a CLI command ends on an error: one line `error QH_…: message`, the hint, and the exit code.
 * Exit codes: 2 bad usage or config; 3 the store needs a person (missing, damaged or unwritable
 * database: systemd's RestartPreventExitStatus=3 stops the restart loop); 1 any other failure.
 * No raw stacks: an SQLite error is mapped to its store code, anything else is QH_INTERNAL (the
 * stack is printed only with QH_DEBUG=1).
 */
import { isQhError, QhError, STORE_NEEDS_PERSON } from "../core/errors.js";
import { isSqliteError, storeError } from "../store/integrity.js";

let storeFile = "the database";

/** The database file of the command being run (named in errors SQLite raises without a path). */
export function setStoreFile(file: string): void {
  storeFile = file;
}

/** Turn anything thrown into a coded error (SqliteError → QH_STORE_…, unknown → QH_INTERNAL). */
export function toQhError(err: unknown, file = storeFile): QhError {
  if (isQhError(err)) return err;
  if (isSqliteError(err)) return storeError(err, file);
  return new QhError("QH_INTERNAL", (err as Error)?.message ?? String(err));
}

/** The process exit code for an error (see the module comment). */
export function exitCodeFor(err: unknown): number {
  const e = toQhError(err);
  if (e.code.startsWith("QH_CONFIG") || e.code === "QH_USAGE") return 2;
  if (STORE_NEEDS_PERSON.has(e.code)) return 3;
  return 1;
}

/** Print the coded error to stderr and exit with its code. */
export function report(err: unknown): never {
  const e = toQhError(err);
  process.stderr.write(`error ${e.code}: ${e.message}\n  → ${e.hint}\n`);
  if (process.env.QH_DEBUG === "1" && err instanceof Error && err.stack)
    process.stderr.write(`${err.stack}\n`);
  process.exit(exitCodeFor(e));
}
