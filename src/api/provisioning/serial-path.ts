/**
 * What `POST /api/v1/buses/test-open` may open: a character device that is plausibly a serial
 * port, never another node of /dev (the attacker review of issue 12 opened the gateway's own
 * SQLite file through `/dev/fd/N`). The checks, in order, before anything is opened:
 *  1. the path as given and as resolved (symlinks followed) stays under /dev and outside
 *     `/dev/fd/`, `/dev/std*`, `/dev/shm/`, `/dev/mqueue/`, `/dev/hugepages/`, `/proc`, `/sys`;
 *  2. it is a character device (stat), not a file, folder, socket or block device;
 *  3. it is not one of the kernel's memory devices (major 1: null, zero, full, random, urandom,
 *     mem, kmsg), a misc device (major 10: watchdog, fuse, kvm, …), the controlling terminal
 *     /dev/tty, /dev/console or /dev/ptmx (major 5), nor a `watchdog*` (opening one arms it);
 *  4. opened non-blocking without becoming the controlling terminal, it is a terminal (isatty):
 *     every serial driver (ttyS, ttyUSB, ttyACM, ttyAMA, a pty) is one.
 * Device numbers: Linux's Documentation/admin-guide/devices.txt.
 * A path that does not exist stays 409 QH_SERIAL_OPEN (as the transport says); a refusal is
 * 400 QH_SERIAL_PATH_INVALID with `details: { path, resolved, why }`.
 */
import { constants } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { isatty } from "node:tty";
import { QhError } from "../../core/errors.js";

const REFUSED_PREFIXES = [
  "/dev/fd/",
  "/dev/std",
  "/dev/shm/",
  "/dev/mqueue/",
  "/dev/hugepages/",
  "/proc/",
  "/sys/",
];

function refuse(path: string, resolved: string, why: string): QhError {
  return new QhError("QH_SERIAL_PATH_INVALID", `${path} is not a serial port: ${why}`, {
    path,
    resolved,
    why,
  });
}

function refusedPrefix(p: string): string | undefined {
  return REFUSED_PREFIXES.find((x) => p.startsWith(x) || `${p}/` === x);
}

/** Linux's major number of a device number (glibc's gnu_dev_major). */
function majorOf(rdev: bigint): bigint {
  return ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
}

/**
 * Resolves when `path` may be opened as a serial port; otherwise QH_SERIAL_PATH_INVALID (400),
 * or QH_SERIAL_OPEN (409) when it does not exist.
 */
export async function assertSerialPath(path: string): Promise<void> {
  const given = refusedPrefix(path);
  if (given) throw refuse(path, path, `${given}… is not a serial line`);
  let resolved: string;
  try {
    resolved = await realpath(path);
  } catch (err) {
    throw new QhError("QH_SERIAL_OPEN", `cannot open ${path}: ${(err as Error).message}`);
  }
  const inside = refusedPrefix(resolved);
  if (inside || !resolved.startsWith("/dev/"))
    throw refuse(path, resolved, `it leads to ${resolved}, which is not a serial line`);
  const st = await stat(resolved, { bigint: true });
  if (!st.isCharacterDevice()) throw refuse(path, resolved, "not a character device");
  const major = majorOf(st.rdev);
  const minor = (st.rdev & 0xffn) | ((st.rdev >> 12n) & ~0xffn);
  if (major === 1n) throw refuse(path, resolved, "a memory device (null, zero, random …), not a serial line");
  if (major === 10n) throw refuse(path, resolved, "a misc device (watchdog, fuse …), not a serial line");
  if (major === 5n && minor <= 2n)
    throw refuse(path, resolved, "the controlling terminal, console or pty master, not a serial line");
  if (/\/watchdog\d*$/.test(resolved)) throw refuse(path, resolved, "a watchdog (opening it arms it)");
  const fh = await open(resolved, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK).catch(
    (err: Error) => {
      throw new QhError("QH_SERIAL_OPEN", `cannot open ${path}: ${err.message}`);
    },
  );
  try {
    if (!isatty(fh.fd)) throw refuse(path, resolved, "not a terminal device (a serial port is one)");
  } finally {
    await fh.close();
  }
}
