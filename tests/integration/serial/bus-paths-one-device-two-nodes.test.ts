/**
 * Issue 7 (attacker's review): two buses whose paths reach one serial device must be refused by
 * the config (and `config check`), not fight over the port at run time. Besides symlinks and `..`
 * (config-errors.test.ts), one device can have two names that no path resolution joins:
 *  - a second device node with the same major:minor (what `docker run --device /dev/ttyUSB0:/dev/rs485`
 *    creates, or a `mknod`), here for a REAL pseudo-terminal made by socat;
 *  - a hard link (here of a stand-in file: /dev/pts cannot be hard-linked elsewhere);
 *  - a path with a trailing slash, which no serial device can be opened by (ENOTDIR): refused too.
 */
import { execFileSync } from "node:child_process";
import { linkSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import { isQhError, type QhError } from "../../../src/core/errors.js";
import { openPtyPair, type PtyPair } from "../../helpers/pty.js";

const dir = mkdtempSync(join(tmpdir(), "qh-bus-alias-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function rejected(paths: string[]): QhError {
  const buses = paths
    .map(
      (p, i) =>
        `  - { id: bus-${i}, path: "${p}", protocol: lockboard-xor, devices: [ { id: x${i}, model: xor-board-24, address: 1 } ] }\n`,
    )
    .join("");
  const file = join(dir, `c${++n}.yaml`);
  writeFileSync(file, `gateway: { id: gw-test, site: test }\nuplink: { url: embedded }\nbuses:\n${buses}`);
  try {
    loadConfig(file);
  } catch (e) {
    if (isQhError(e)) return e;
    throw e;
  }
  throw new Error(`expected ${file} to be rejected`);
}

function messageAt(e: QhError, path: string): string {
  expect(e.code).toBe("QH_CONFIG_INVALID");
  const found = (e.details as { path: string; message: string }[]).filter((i) => i.path === path);
  expect(found, JSON.stringify(e.details)).toHaveLength(1);
  return found[0]!.message;
}

/** mknod needs CAP_MKNOD (root in most containers and CI runners). */
function canMknod(): boolean {
  try {
    execFileSync("mknod", [join(dir, "probe"), "c", "1", "3"], { stdio: "ignore" });
    rmSync(join(dir, "probe"));
    return true;
  } catch {
    return false;
  }
}

describe("two bus paths, one serial device", () => {
  let pair: PtyPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it.skipIf(!canMknod())("a second device node of the same tty (same major:minor) is refused", async () => {
    pair = await openPtyPair();
    const rdev = statSync(pair.ptyA).rdev;
    const node = join(dir, "rs485-a");
    execFileSync("mknod", [
      node,
      "c",
      String((rdev >> 8) & 0xfff),
      String((rdev & 0xff) | ((rdev >> 12) & 0xfff00)),
    ]);
    expect(statSync(node).rdev).toBe(rdev);
    const e = rejected([pair.ptyA, node]);
    expect(messageAt(e, "buses[1].path")).toContain(`is the same serial device as bus "bus-0"`);
    expect(messageAt(e, "buses[1].path")).toContain(pair.ptyA);
  });

  it("a hard link is refused", () => {
    const real = join(dir, "ttyS-standin");
    writeFileSync(real, "");
    const hard = join(dir, "ttyS-hardlink");
    linkSync(real, hard);
    const e = rejected([real, hard]);
    expect(messageAt(e, "buses[1].path")).toContain(`is the same serial device as bus "bus-0"`);
  });

  it("a path with a trailing slash is refused: no serial device opens by it", () => {
    const real = join(dir, "ttyS-slash");
    writeFileSync(real, "");
    const e = rejected([`${real}/`]);
    expect(messageAt(e, "buses[0].path")).toMatch(/must not end with \//);
  });
});
