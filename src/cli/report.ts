/**
 * How a CLI command ends on an error: one line `error QH_…: message`, the hint, and the exit code.
 * Exit codes: 2 bad usage or config; 3 the store needs a person (missing, damaged or unwritable
 * database: systemd's RestartPreventExitStatus=3 stops the restart loop); 1 any other failure.
 * No raw stacks: an SQLite error is mapped to its store code, anything else is QH_INTERNAL (the
 * stack is printed only with QH_DEBUG=1).
 */
import { type ErrorCode, isQhError, QhError, STORE_NEEDS_PERSON } from "../core/errors.js";
import { diskWriteError, isDiskWriteFailure } from "../store/disk.js";
import { isSqliteError, storeError } from "../store/integrity.js";

let storeFile = "the database";

/** The database file of the command being run (named in errors SQLite raises without a path). */
export function setStoreFile(file: string): void {
  storeFile = file;
}

/** Codes that mean "fix the command line, the config or the environment" (exit 2). */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "QH_USAGE",
  "QH_CONFIG_INVALID",
  "QH_CONFIG_UNREADABLE",
  // a config change asked of a gateway started without a config file: start it with -c FILE
  "QH_CONFIG_NO_FILE",
  "QH_PORT_IN_USE",
  "QH_PORT_UNAVAILABLE",
  "QH_API_INVALID",
  "QH_LOCKER_INPUT_INVALID",
  "QH_COLD_INPUT_INVALID",
  "QH_COLD_ZONE_UNKNOWN",
  "QH_DEVICE_INVALID",
  "QH_DEVICE_EXISTS",
  "QH_DEVICE_UNKNOWN",
  "QH_DEVICE_SECRET_INVALID",
  "QH_DEVICE_UNDECLARED",
  "QH_MODEL_UNKNOWN",
  "QH_UPLINK_CONFIG",
  "QH_PATH_INVALID",
  "QH_DEX_INVALID",
  "QH_PLANOGRAM_INPUT_INVALID",
  "QH_PLANOGRAM_MACHINE_UNKNOWN",
  "QH_PLANOGRAM_SLOT_UNKNOWN",
  // an id the command line named that the config does not have (`--terminal`, `--device`)
  "QH_LOCKER_TERMINAL_UNKNOWN",
  "QH_VEND_MACHINE_UNKNOWN",
  // commissioning (issue 12): a bus, bank, range or lock the command line named
  "QH_BUS_UNKNOWN",
  "QH_BANK_UNKNOWN",
  "QH_SCAN_RANGE_INVALID",
  "QH_SCAN_UNSUPPORTED",
  "QH_DOOR_TEST_INVALID",
  // `trace lot GTIN LOT`: a GTIN or lot that cannot be one
  "QH_GS1_INVALID",
  "QH_GS1_CHECK_DIGIT",
  "QH_TRACE_INPUT_INVALID",
]);

/**
 * Turn anything thrown into a coded error (SqliteError → QH_STORE_…, a listen that lost a race →
 * QH_PORT_IN_USE, anything else → QH_INTERNAL).
 */
export function toQhError(err: unknown, file = storeFile): QhError {
  if (isQhError(err)) return err;
  if (isSqliteError(err)) return storeError(err, file);
  if (isDiskWriteFailure(err)) return diskWriteError(err, "the data disk");
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.path && ["ENOENT", "ENOTDIR", "EEXIST", "EISDIR", "EACCES", "EPERM"].includes(e.code ?? "")) {
    return new QhError("QH_PATH_INVALID", `${e.path}: ${e.message}`, { path: e.path, errno: e.code });
  }
  if (e?.code === "EADDRINUSE") {
    return new QhError(
      "QH_PORT_IN_USE",
      `${e.address ?? ""}:${e.port ?? "?"} is already in use: ${e.message}`,
    );
  }
  return new QhError("QH_INTERNAL", (err as Error)?.message ?? String(err));
}

/** The process exit code for an error (see the module comment). */
export function exitCodeFor(err: unknown): number {
  const e = toQhError(err);
  if (USAGE_CODES.has(e.code)) return 2;
  if (STORE_NEEDS_PERSON.has(e.code)) return 3;
  return 1;
}

/** Print the coded error to stderr and exit with its code. */
export function report(err: unknown): never {
  const e = toQhError(err);
  process.stderr.write(`error ${e.code}: ${e.message}\n  → ${e.hint}\n`);
  if (process.env.QH_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(exitCodeFor(e));
}
