/**
 * `quarterhour dex parse FILE [--json]`: reads a DEX/EVA-DTS audit file an operator already has
 * and prints the audit and its integrity verdict. Needs no config and no gateway.
 *
 * Exit codes: 0 the file verifies (G85 right; a wrong SE count is only a warning); 1 the audit was
 * printed but cannot be trusted (`QH_DEX_INTEGRITY`: G85 wrong, the file cut short, or no G85 to
 * check): a verdict, not a crash; 2 the file cannot be read (`QH_PATH_INVALID`: missing,
 * unreadable, not a regular file (FIFO, device, directory) or over DEX_MAX_BYTES = 4 MiB) or is
 * not a DEX file at all (`QH_DEX_INVALID`: no DXS line).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { QhError } from "../core/errors.js";
import { parseDex, salesByProduct } from "../protocols/dex-ucs/index.js";
import { formatAudit } from "./dex-format.js";

/**
 * The largest file `dex parse` reads: 4 MiB. A real audit is a few KiB to a few hundred KiB (a
 * machine with 400 segments is ~10 KiB); anything bigger is not a DEX file from a machine.
 */
export const DEX_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Read a DEX file: a regular file of at most DEX_MAX_BYTES. A FIFO, a device (/dev/zero), a
 * directory or a bigger file is QH_PATH_INVALID (never a hang, never unbounded memory). Opened
 * non-blocking and checked on the open descriptor, so a path swapped after a check cannot slip by.
 */
function readDexFile(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new QhError("QH_PATH_INVALID", `${file}: cannot be read (${code})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new QhError(
        "QH_PATH_INVALID",
        `${file}: not a regular file (${st.isDirectory() ? "a directory" : st.isFIFO() ? "a FIFO" : "a device or socket"})`,
      );
    if (st.size > DEX_MAX_BYTES)
      throw new QhError(
        "QH_PATH_INVALID",
        `${file}: ${st.size} bytes, more than a DEX audit file can be (at most ${DEX_MAX_BYTES})`,
      );
    const buf = Buffer.alloc(DEX_MAX_BYTES + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > DEX_MAX_BYTES)
        throw new QhError("QH_PATH_INVALID", `${file}: grew past ${DEX_MAX_BYTES} bytes while read`);
    }
    return buf.subarray(0, n);
  } catch (err) {
    if (err instanceof QhError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new QhError("QH_PATH_INVALID", `${file}: cannot be read (${code})`);
  } finally {
    closeSync(fd);
  }
}

/** Parse `file`, print the report (or JSON) and throw QH_DEX_INTEGRITY when it does not verify. */
export function dexParse(file: string, opts: { json?: boolean }): void {
  const bytes = readDexFile(file);
  const audit = parseDex(bytes);
  if (audit.dxs === null)
    throw new QhError(
      "QH_DEX_INVALID",
      `${file}: no DXS line in ${bytes.length} bytes: not a DEX audit file`,
    );
  if (opts.json) {
    const { segments: _s, ...rest } = audit;
    process.stdout.write(
      `${JSON.stringify({ file, verdict: audit.integrity.verdict, audit: rest, sales: salesByProduct(audit) })}\n`,
    );
  } else process.stdout.write(formatAudit(file, audit));
  const i = audit.integrity;
  if (i.verdict !== "verified") {
    const why =
      i.verdict === "corrupt"
        ? `G85 is ${i.g85.declared || "empty"} but the data gives ${i.g85.computed}`
        : i.verdict === "truncated"
          ? "the file ends before its G85 and DXE (cut short)"
          : i.g85.status === "ok"
            ? "segments after its G85 are not covered by it"
            : "the file has no G85 to check it against";
    throw new QhError("QH_DEX_INTEGRITY", `${file}: ${i.verdict}: ${why}`, { verdict: i.verdict });
  }
}
